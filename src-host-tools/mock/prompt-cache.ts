// Prompt caching as the mock providers play it: Anthropic's cache_control marks and Bedrock's
// cachePoint blocks checked as the real APIs check them (at most 4 breakpoints; a known mark
// shape), and cache reads and writes reported like theirs. The mock's cache: the prefix up to each
// breakpoint, as JSON text; a request whose longest marked prefix was seen reads it, otherwise it
// reads the longest earlier one it has seen and writes the rest. Tokens are bytes / 4, rounded up;
// the real minimum cacheable length (1,024 tokens and more) is not played.

/** Breakpoints one request may carry (Anthropic: "A maximum of 4 blocks with cache_control may be provided"; Bedrock the same). */
export const MAX_BREAKPOINTS = 4;

const seen = new Set<string>();

/** Forget every cached prefix. */
export function clearPromptCache(): void { seen.clear(); }

export interface CacheFigures { read: number; written: number; written1h: number; total: number }

const tokens = (text: string) => Math.ceil(Buffer.byteLength(text) / 4);

/**
 * Reads and writes for a request whose prompt is `blocks` (in prefix order) with breakpoints after
 * the blocks at `marks` (their ttls beside). `namespace` keeps one provider's cache from another's.
 */
export function playCache(namespace: string, blocks: unknown[], marks: { index: number; ttl: string }[]): CacheFigures {
  const total = tokens(JSON.stringify(blocks));
  if (marks.length === 0) return { read: 0, written: 0, written1h: 0, total };
  const prefixes = marks.map((m) => namespace + JSON.stringify(blocks.slice(0, m.index + 1)));
  let hit = -1;
  for (let i = prefixes.length - 1; i >= 0; i--) if (seen.has(prefixes[i])) { hit = i; break; }
  const size = (i: number) => (i < 0 ? 0 : tokens(prefixes[i]) - tokens(namespace));
  const last = prefixes.length - 1;
  const read = size(hit);
  const written = hit === last ? 0 : size(last) - read;
  // The 1-hour part: from the last 1h mark's prefix down to what was read.
  let oneHour = -1;
  for (let i = last; i >= 0; i--) if (marks[i].ttl === "1h") { oneHour = i; break; }
  const written1h = hit === last || oneHour <= hit ? 0 : size(oneHour) - read;
  for (const p of prefixes) seen.add(p);
  return { read, written, written1h, total: Math.max(total, read + written) };
}

/** An Anthropic cache_control value's problem, as the API words it; undefined when it is a mark Anthropic takes. */
export function cacheControlProblem(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  const v = value as { type?: unknown; ttl?: unknown };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return `${path}.cache_control: Input should be a valid dictionary`;
  if (v.type !== "ephemeral") return `${path}.cache_control.type: Input should be 'ephemeral'`;
  if (v.ttl !== undefined && v.ttl !== "5m" && v.ttl !== "1h") return `${path}.cache_control.ttl: Input should be '5m' or '1h'`;
  return undefined;
}

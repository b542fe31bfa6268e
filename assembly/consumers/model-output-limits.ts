// The largest output cap well-known models accept, by model-name prefix: a request asking for more
// is clamped to it (request/body.ts), since the provider would refuse it with a 400. The one table;
// docs/translation.md "Output caps per backend model" is checked against it (test/unit/output-clamp.test.ts).

/** Model-name prefixes and their output limits; the longest matching prefix wins. */
export const MODEL_OUTPUT_LIMITS: string[] = [
  "gpt-4o", "16384",
  "gemini-2.5-flash", "65536",
  "claude-sonnet-4-5", "64000",
  "claude-3-5-haiku", "8192",
  "amazon.nova-pro", "10000",
];

const PREFIXES: string[] = [];
const LIMITS: i64[] = [];
for (let i = 0; i + 1 < MODEL_OUTPUT_LIMITS.length; i += 2) {
  PREFIXES.push(MODEL_OUTPUT_LIMITS[i]);
  LIMITS.push(I64.parseInt(MODEL_OUTPUT_LIMITS[i + 1]));
}

/** The built-in output limit of `model` (longest prefix), or -1: unknown, not clamped. */
export function defaultOutputLimit(model: string): i64 {
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < PREFIXES.length; i++) {
    const p = PREFIXES[i];
    if (p.length > bestLength && model.startsWith(p)) { best = <i32>i; bestLength = p.length; }
  }
  return best < 0 ? -1 : LIMITS[best];
}

// Which client headers a provider receives (docs/translation.md, "Headers sent to providers").
// Translated routes: an allow-list (what every provider and the mesh need) plus the route's
// `forwardHeaders`; the client's SDK and agent headers describe another API and its user's machine.
// Same-API routes: the client's headers pass, except agent identifiers unless the route lists them.
import { HeaderSnapshot } from "../headers";
import { BILLING_HEADERS, isBillingHeader, isReservedHeader } from "../safety/credentials";

/** Header names, exact or prefix (written with a trailing '*'), compiled once at config load. */
export class HeaderPatterns {
  names: ArrayBuffer[] = [];
  prefixes: bool[] = [];
  add(pattern: string): void {
    const prefix = pattern.endsWith("*");
    this.names.push(String.UTF8.encode(prefix ? pattern.substring(0, pattern.length - 1) : pattern));
    this.prefixes.push(prefix);
  }
  /** True when entry i of `headers` matches one of the patterns. */
  matches(headers: HeaderSnapshot, i: i32): bool {
    for (let k = 0; k < this.names.length; k++) if (headers.nameMatches(i, unchecked(this.names[k]), unchecked(this.prefixes[k]))) return true;
    return false;
  }
  get isEmpty(): bool { return this.names.length == 0; }
}

function patterns(list: string[]): HeaderPatterns {
  const out = new HeaderPatterns();
  for (let i = 0; i < list.length; i++) out.add(list[i]);
  return out;
}

/**
 * Kept on translated routes: pseudo-headers, content negotiation, tracing the mesh propagates
 * (W3C, B3, OpenTracing, Cloud Trace, X-Ray) and Envoy's own. The provider's auth, version and
 * config headers are set after this filter runs, so they need no entry. Billing selectors stay for
 * the provider's own `allowClientHeaders` check.
 */
export const PROVIDER_HEADERS: string[] = [
  ":*", "accept", "content-type", "traceparent", "tracestate", "x-request-id", "b3", "x-b3-*",
  "x-ot-span-context", "x-cloud-trace-context", "grpc-trace-bin", "x-amzn-trace-id", "x-envoy-*",
  "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
];
const KEPT = patterns(PROVIDER_HEADERS.concat(BILLING_HEADERS));

/** Agent and session identifiers: they identify the user's machine or account to a third party. */
export const AGENT_ID_HEADERS: string[] = [
  "x-claude-code-session-id", "x-codex-turn-metadata", "session_id", "conversation_id", "chatgpt-account-id",
];
const AGENT_IDS = patterns(AGENT_ID_HEADERS);

/** The rule for one `forwardHeaders` entry, in the words the toolchain uses too. */
export const FORWARD_HEADER_RULE = "must be a lower-case header name, or a prefix of one ending in '*'; credential, billing, framing and Envoy headers cannot be listed";

/** True when `pattern` may be listed in a route's `forwardHeaders`. */
export function isForwardablePattern(pattern: string, validName: bool): bool {
  if (!validName) return false;
  const name = pattern.endsWith("*") ? pattern.substring(0, pattern.length - 1) : pattern;
  return name.length > 0 && !isReservedHeader(name) && !isBillingHeader(name) && !name.startsWith("x-llm-mesh-");
}

/** Drops the client headers the provider must not get (see the file comment). Linear in headers × patterns. */
export function dropClientHeaders(headers: HeaderSnapshot, translated: bool, listed: HeaderPatterns): void {
  for (let i = headers.length - 1; i >= 0; i--) {
    const drop = translated ? !KEPT.matches(headers, i) : AGENT_IDS.matches(headers, i);
    if (drop && !listed.matches(headers, i)) headers.dropAt(i);
  }
}

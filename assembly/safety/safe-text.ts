// Rules for text that crosses from a client (or a config) into a header, a path or a log line.
// Nothing a client sends reaches a header without passing one of these.

/** Longest model name accepted; real ones are far shorter. */
export const MAX_MODEL_LENGTH = 256;

/**
 * True for a model name that is safe in a header value and a URL path segment: 1 to 256 of
 * letters, digits and . _ - : / @ + ~ (covers names such as `gpt-4o`, `llama3.1:8b`,
 * `meta-llama/Llama-3-70b`, `us.anthropic.claude-3-5-sonnet-20241022-v2:0`, `ft:gpt-4o:org::id`).
 * Control characters, spaces, quotes and non-ASCII are refused.
 */
export function isSafeModelName(name: string): bool {
  const n = name.length;
  if (n == 0 || n > MAX_MODEL_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
      c == 0x2e || c == 0x5f || c == 0x2d || c == 0x3a || c == 0x2f || c == 0x40 || c == 0x2b || c == 0x7e;
    if (!ok) return false;
  }
  return true;
}

/** The characters isSafeModelName accepts, for error messages. */
export const MODEL_NAME_RULE = "1 to 256 characters of letters, digits and . _ - : / @ + ~";

/** True for a header name Envoy and HTTP accept: lower-case token characters, no pseudo-header. */
export function isHeaderName(name: string): bool {
  if (name.length == 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e;
    if (!ok) return false;
  }
  return true;
}

/** True for a header value without control characters (no CR, LF or NUL can split a header). */
export function isHeaderValue(value: string): bool {
  if (value.length > 8192) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c != 0x09) || c == 0x7f || c > 0x7e) return false;
  }
  return true;
}

/** True for a name fit for the config's own identifiers (providers, routes): DNS-label-like. */
export function isConfigName(name: string): bool {
  if (name.length == 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e;
    if (!ok) return false;
  }
  return true;
}

/**
 * True for a portable environment variable name: letters, digits, underscore, not starting with a
 * digit. With `upperOnly`, only conventional upper-case names: those are the ones shown in log
 * lines, since anything else may be a key pasted where the name belongs.
 */
export function isEnvName(name: string, upperOnly: bool = false): bool {
  if (name.length == 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || c == 0x5f || (!upperOnly && c >= 0x61 && c <= 0x7a) || (i > 0 && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
  }
  return true;
}

/** True for a URL path from config that goes into :path as it is: printable ASCII, no space, query or fragment. */
export function isSafePath(path: string): bool {
  if (path.length > 2048) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c == 0x3f || c == 0x23) return false;
  }
  return true;
}

// No configured secret reaches a client: every response of a forwarded request has its headers and
// its body (when it can be read: not compressed) scanned for every secret of every provider (keys,
// the AWS secret and session token, tokens fetched at run time) in all the forms secret-matcher.ts
// lists, decoded from JSON and percent escapes. One automaton for all of them, compiled when the
// configuration or a provider's keys change (a Vertex token refresh), not per request.
// Provider error bodies are also rid of masked keys (OpenAI's 401 shows `sk-…****…abcd`).
import { HeaderSnapshot } from "../headers";
import { RESPONSE_HEADERS } from "../host";
import { scanTopLevel } from "../json/scan";
import { Provider } from "../providers/provider";
import { MIN_SECRET_BYTES, SecretMatcher, secretForms } from "../safety/secret-matcher";
import { SecretScanner } from "../safety/secret-scanner";
import { isValidUtf8 } from "../json/utf8";

const REDACTED = "[redacted]";
const NO_KEYS = new StaticArray<ArrayBuffer>(0);

// The automaton and the providers' key lists it was compiled from (a list is replaced, never
// edited, when a provider's keys change: comparing references is enough).
let compiledFrom: string[][] = [];
let compiled: SecretMatcher | null = null;
let previousSecrets: string[] = [];
let headerScanner: SecretScanner | null = null;

/** The matcher for every secret the providers hold now, or null when they hold none. */
export function secretMatcher(providers: Provider[]): SecretMatcher | null {
  let same = compiledFrom.length == providers.length;
  for (let i = 0; same && i < providers.length; i++) same = compiledFrom[i] === providers[i].keys;
  if (same) return compiled;
  const forms: ArrayBuffer[] = [];
  const from: string[][] = [];
  const secrets: string[] = [];
  for (let i = 0; i < providers.length; i++) {
    const keys = providers[i].keys;
    from.push(keys);
    for (let k = 0; k < keys.length; k++) if (!secrets.includes(keys[k])) secrets.push(keys[k]);
  }
  // The secrets replaced by this change stay one generation more: a token refreshed before it
  // expires (Vertex: 5 minutes) is still valid, and answers to requests sent with it are on the way.
  const current = secrets.length;
  for (let i = 0; i < previousSecrets.length; i++) if (!secrets.includes(previousSecrets[i])) secrets.push(previousSecrets[i]);
  for (let i = 0; i < secrets.length; i++) secretForms(secrets[i], forms);
  previousSecrets = secrets.slice(0, current);
  compiledFrom = from;
  compiled = forms.length > 0 ? new SecretMatcher(forms) : null;
  headerScanner = compiled !== null ? new SecretScanner(compiled!) : null;
  return compiled;
}

/**
 * Every response header checked: a value holding a secret keeps its length with the secret
 * overwritten (Location, www-authenticate, x-debug-*); a name holding one is dropped. One read and,
 * only when something was found, one write of the whole map.
 */
export function redactResponseHeaders(): i32 {
  const scanner = headerScanner;
  if (scanner === null) return 0;
  const headers = HeaderSnapshot.read(RESPONSE_HEADERS);
  let found = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    // Shorter than any secret: nothing to find (most values: status, dates, ids, lengths).
    if (headers.valueLengthAt(i) < MIN_SECRET_BYTES && headers.nameLengthAt(i) < MIN_SECRET_BYTES) continue;
    scanner.reset();
    scanner.push(headers.nameCopy(i), true);
    if (scanner.changed) { headers.dropAt(i); found++; continue; }
    scanner.reset();
    const value = scanner.push(headers.valueCopy(i), true);
    if (scanner.changed) { headers.replaceValueAt(i, value); found++; }
  }
  if (found > 0) headers.write(RESPONSE_HEADERS);
  return found;
}

/** Bytes of token characters around a mask: letters, digits and - _ . * */
function isTokenChar(c: i32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e || c == 0x2a;
}

/**
 * Replaces every key, and every token holding a run of three or more '*' (a masked key), with
 * [redacted]: for text a translator decodes and writes anew (a stream's error message). The body
 * that leaves is scanned again in every encoding (SecretScanner).
 */
export function redactSecrets(text: string, keys: string[]): string {
  let out = text;
  for (let i = 0; i < keys.length; i++) if (keys[i].length >= 4) out = out.replaceAll(keys[i], REDACTED);
  // Pieces joined once: a new string per mask was quadratic, and 12,000 masks in a 60 KB error trapped the VM.
  const parts = new Array<string>();
  let copied = 0;
  while (true) {
    const star = out.indexOf("***", copied);
    if (star < 0) break;
    let start = star;
    while (start > copied && isTokenChar(out.charCodeAt(start - 1))) start--;
    let end = star;
    while (end < out.length && isTokenChar(out.charCodeAt(end))) end++;
    parts.push(out.substring(copied, start));
    parts.push(REDACTED);
    copied = end;
  }
  if (parts.length == 0) return out;
  parts.push(out.substring(copied));
  return parts.join("");
}

/** The body to send on for a provider error: the JSON with secrets redacted, or null when it is not a JSON object. */
export function redactedErrorBody(body: ArrayBuffer, keys: string[]): string | null {
  const scan = scanTopLevel(changetype<usize>(body), body.byteLength, NO_KEYS);
  // Not UTF-8: the lenient decoder could turn it into other JSON (or none); replaced like non-JSON.
  if (scan.error !== null || !isValidUtf8(changetype<usize>(body), body.byteLength)) return null;
  return redactSecrets(String.UTF8.decode(body), keys);
}

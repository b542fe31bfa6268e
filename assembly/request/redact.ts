// No configured secret reaches a client: every response of a forwarded request has its headers and
// its body (when it can be read: not compressed) scanned for every secret of every provider (keys,
// the AWS secret and session token, tokens fetched at run time) in all the forms secret-matcher.ts
// lists, decoded from JSON and percent escapes. One automaton for all of them, compiled when the
// configuration or a provider's keys change (a Vertex token refresh), not per request.
// Provider error bodies are also rid of keys and masked keys (safety/redact-text.ts).
import { HeaderSnapshot, markResponseEdited, openResponseCopy } from "../headers";
import { RESPONSE_HEADERS, RESPONSE_TRAILERS } from "../host";
import { Provider } from "../providers/provider";
import { MIN_SECRET_BYTES, SecretMatcher, secretForms } from "../safety/secret-matcher";
import { SecretScanner } from "../safety/secret-scanner";

// The automaton and the providers' key lists it was compiled from (a list is replaced, never
// edited, when a provider's keys change: comparing references is enough).
let compiledFrom: string[][] = [];
let compiled: SecretMatcher | null = null;
let previousSecrets: string[] = [];
let headerScanner: SecretScanner | null = null;
let wholeBodyScanner: SecretScanner | null = null;

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
 * The VM's scanner for a body scanned whole within one callback (an answer in one chunk), reset:
 * one scanner for every such answer, not one each. Never kept past the callback.
 */
export function bodyScanner(matcher: SecretMatcher): SecretScanner {
  let scanner = wholeBodyScanner;
  if (scanner === null || !scanner.uses(matcher)) { scanner = new SecretScanner(matcher); wholeBodyScanner = scanner; }
  else scanner.reset();
  return scanner!;
}

/**
 * Every response header checked: a value holding a secret keeps its length with the secret
 * overwritten (Location, www-authenticate, x-debug-*); a name holding one is dropped. The
 * callback's one read of the map, and its one write, made only when something changed.
 */
export function redactResponseHeaders(): i32 {
  const scanner = headerScanner;
  if (scanner === null) return 0;
  // The callback's open copy when there is one (edited in place, written with the other changes).
  const open = openResponseCopy();
  const headers = open !== null ? open! : HeaderSnapshot.read(RESPONSE_HEADERS);
  const found = redactSnapshot(scanner, headers);
  if (found > 0 && open !== null) markResponseEdited();
  else if (found > 0) headers.write(RESPONSE_HEADERS);
  return found;
}

/** The answer's trailers checked as its headers are (a gRPC-style server may echo a credential in grpc-message). */
export function redactResponseTrailers(): i32 {
  const scanner = headerScanner;
  if (scanner === null) return 0;
  const trailers = HeaderSnapshot.read(RESPONSE_TRAILERS);
  const found = redactSnapshot(scanner!, trailers);
  if (found > 0) trailers.write(RESPONSE_TRAILERS);
  return found;
}

/** Every entry of `headers` checked: a value holding a secret keeps its length with the secret overwritten; a name holding one is dropped. */
function redactSnapshot(scanner: SecretScanner, headers: HeaderSnapshot): i32 {
  let found = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    const nameLength = headers.nameLengthAt(i);
    const valueLength = headers.valueLengthAt(i);
    // Shorter than any secret: nothing to find (most values: status, dates, ids, lengths).
    if (valueLength < MIN_SECRET_BYTES && nameLength < MIN_SECRET_BYTES) continue;
    // Scanned in a copy: the entry may point at a buffer the config shares (a header llm-mesh set).
    let text = scratchOf(nameLength);
    memory.copy(changetype<usize>(text), headers.nameStart(i), <usize>nameLength);
    if (scanner.scanWhole(changetype<usize>(text), nameLength)) { headers.dropAt(i); found++; continue; }
    text = scratchOf(valueLength);
    memory.copy(changetype<usize>(text), headers.valueStart(i), <usize>valueLength);
    if (scanner.scanWhole(changetype<usize>(text), valueLength)) {
      headers.replaceValueAt(i, text.slice(0, valueLength));
      found++;
    }
  }
  return found;
}

/** Header names and values are scanned here, one at a time; kept up to this size (Envoy's default header limit is 60 KiB in all). */
const SCRATCH_KEPT: i32 = 8192;
let scratch = new ArrayBuffer(256);

/** A buffer of at least `n` bytes to scan a header in: the kept one, or a new one for a longer header. */
function scratchOf(n: i32): ArrayBuffer {
  if (n <= scratch.byteLength) return scratch;
  if (n > SCRATCH_KEPT) return new ArrayBuffer(n);
  scratch = new ArrayBuffer(n);
  return scratch;
}

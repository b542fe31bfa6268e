// The request headers a provider receives: its authority, path and key; never the client's
// credentials, billing selectors or a stray host header. Edited in the snapshot, written once.
import { HeaderSnapshot } from "../headers";
import { REQUEST_HEADERS } from "../host";
import { RequestState } from "./state";
import { BILLING_HEADERS, CREDENTIAL_HEADERS } from "../safety/credentials";
import { dropClientHeaders } from "./forwarded-headers";
import { markPooled, poolAuthority } from "../failover/pool";
import { H_ACCEPT_ENCODING, H_AUTHORITY, H_CONTENT_LENGTH, H_CONTENT_TYPE, H_HOST, H_PATH, V_JSON } from "./header-names";


function encodeAll(names: string[]): ArrayBuffer[] {
  const out = new Array<ArrayBuffer>(names.length);
  for (let i = 0; i < names.length; i++) out[i] = String.UTF8.encode(names[i]);
  return out;
}
const CREDENTIALS = encodeAll(CREDENTIAL_HEADERS);
const BILLING = encodeAll(BILLING_HEADERS);

/**
 * A failover route's request, sent to its pool: only the authority changes (Envoy routes it to the
 * pool cluster) and client credentials go; each try is rewritten in the pool's upstream filter.
 */
export function writePoolHeaders(headers: HeaderSnapshot, state: RequestState, bodyLength: i32): bool {
  markPooled(state.route!.nameBytes);
  const route = state.route!;
  if (route.poolAuthorityBytes === null) route.poolAuthorityBytes = String.UTF8.encode(poolAuthority(route.name));
  headers.set(H_AUTHORITY, route.poolAuthorityBytes!);
  headers.remove(H_HOST);
  for (let i = 0; i < CREDENTIALS.length; i++) headers.remove(CREDENTIALS[i]);
  // The route's policy may have rewritten the body: its exact length (body mode), or none (headers mode); -2: unchanged.
  if (bodyLength >= 0) headers.set(H_CONTENT_LENGTH, decimal(bodyLength));
  else if (bodyLength == -1) headers.remove(H_CONTENT_LENGTH);
  return headers.write(REQUEST_HEADERS);
}

/**
 * Rewrites the headers for the chosen backend and writes them to the host in one call.
 * `bodyLength` is the exact length of the body that will be sent (body mode), or -1 when the body
 * is not known yet (headers mode: Envoy frames the rewritten body itself).
 */
export function writeUpstreamHeaders(headers: HeaderSnapshot, state: RequestState, bodyLength: i32, body: ArrayBuffer | null = null): bool {
  const backend = state.backend!;
  const op = state.operation;
  const provider = backend.provider;
  headers.set(H_AUTHORITY, provider.authorityBytes);
  // A literal host header (HTTP/2 clients can send one beside :authority) must not disagree.
  headers.remove(H_HOST);
  headers.set(H_PATH, state.upstreamPath !== null ? state.upstreamPath! : backend.pathBytes[op]);
  // Before the provider's own headers are set: what remains of the client's is what the provider gets.
  dropClientHeaders(headers, state.translator !== null, state.route!.forwardHeaders);
  for (let i = 0; i < CREDENTIALS.length; i++) headers.remove(CREDENTIALS[i]);
  for (let i = 0; i < BILLING.length; i++) {
    if (!provider.allowedClientHeaders.includes(BILLING_HEADERS[i])) headers.remove(BILLING[i]);
  }
  for (let i = 0; i < provider.extraHeaderNames.length; i++) headers.set(provider.extraHeaderNames[i], provider.extraHeaderValues[i]);
  provider.writeApiHeaders(headers, state.clientApi);
  // Every answer is read by the filter (translated, metered, and scanned for secrets: docs/secrets.md): it must arrive uncompressed.
  headers.remove(H_ACCEPT_ENCODING);
  const auth = state.keyIndex == -2 ? provider.nextAuthValue() : state.keyIndex >= 0 ? provider.authHeaderValueBytes[state.keyIndex] : null;
  if (auth !== null) headers.set(provider.authHeaderNameBytes, auth);
  if (bodyLength >= 0) headers.set(H_CONTENT_LENGTH, decimal(bodyLength));
  else headers.remove(H_CONTENT_LENGTH);
  // The body is JSON (checked before it is sent on), whatever the client labelled it.
  headers.set(H_CONTENT_TYPE, V_JSON);
  // Last: a signature covers the headers as they leave (body mode only; such providers require it).
  if (body !== null) provider.sign(headers, state.upstreamPath !== null ? state.upstreamPath! : backend.pathBytes[op], body!);
  return headers.write(REQUEST_HEADERS);
}

/** A non-negative number's decimal digits as bytes (one buffer: no string first). */
function decimal(value: i32): ArrayBuffer {
  let n = 1;
  for (let v = value; v >= 10; v /= 10) n++;
  const out = new ArrayBuffer(n);
  let v = value;
  for (let at = n - 1; at >= 0; at--) { store<u8>(changetype<usize>(out) + <usize>at, <u8>(0x30 + v % 10)); v /= 10; }
  return out;
}

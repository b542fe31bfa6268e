// Test fixture, not part of the filter: the filter's crypto (assembly/crypto/) exported for
// test/unit/crypto.test.ts, which checks it against published vectors and node:crypto / the AWS
// SDK's signer on random inputs. Built with the runtime exported, loaded with @assemblyscript/loader.
export { malloc } from "@solo-io/proxy-runtime/assembly/malloc";
import "@solo-io/proxy-runtime/assembly";
import { Sha256, hmacSha256, toHex } from "../crypto/sha256";
import { SigV4Signer, amzDate, uriEncode } from "../crypto/sigv4";

export function sha256Hex(data: ArrayBuffer): string {
  return toHex(new Sha256().updateBuffer(data).digest());
}

/** SHA-256 fed in pieces of `piece` bytes (the incremental path). */
export function sha256HexPieces(data: ArrayBuffer, piece: i32): string {
  const h = new Sha256();
  for (let i = 0; i < data.byteLength; i += piece) h.update(changetype<usize>(data) + <usize>i, min(piece, data.byteLength - i));
  return toHex(h.digest());
}

export function hmacHex(key: ArrayBuffer, data: ArrayBuffer): string {
  return toHex(hmacSha256(key, changetype<usize>(data), data.byteLength));
}

export function formatAmzDate(epochSeconds: f64): string { return amzDate(<i64>epochSeconds); }

export function encodeUri(text: string, encodeSlash: bool): string { return uriEncode(text, encodeSlash); }

let cached: SigV4Signer | null = null;

/** Signs with names and values given as newline-separated lists (a signer per call: no day-key cache). */
export function authorization(accessKey: string, secret: string, region: string, service: string, method: string, uri: string, query: string,
  names: string, values: string, payloadHash: string, date: string): string {
  return new SigV4Signer(accessKey, secret, region, service).authorization(method, uri, query, names.split("\n"), values.split("\n"), payloadHash, date);
}

/** As authorization(), with one long-lived signer, as the filter keeps one per provider (the day's key cached). */
export function authorizationCached(accessKey: string, secret: string, region: string, service: string, method: string, uri: string, query: string,
  names: string, values: string, payloadHash: string, date: string): string {
  if (cached === null) cached = new SigV4Signer(accessKey, secret, region, service);
  return cached!.authorization(method, uri, query, names.split("\n"), values.split("\n"), payloadHash, date);
}

// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
// computed in the VM for providers on AWS (Bedrock). The signing key depends only on the secret,
// the date, the region and the service, so it is derived once a day, not per request.
import { Sha256, hmacSha256Ascii, hmacSha256String, toHex } from "./sha256";

const UNRESERVED_HEX = "0123456789ABCDEF";

/** AWS's URI encoding: A-Z a-z 0-9 - . _ ~ kept, every other UTF-8 byte %XX; '/' kept unless `encodeSlash`. */
export function uriEncode(text: string, encodeSlash: bool): string {
  const bytes = String.UTF8.encode(text);
  const n = bytes.byteLength;
  let out = "";
  let runStart = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(changetype<usize>(bytes) + <usize>i);
    const keep = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
      c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e || (c == 0x2f && !encodeSlash);
    if (keep) continue;
    if (i > runStart) out += String.UTF8.decodeUnsafe(changetype<usize>(bytes) + <usize>runStart, <usize>(i - runStart));
    out += "%" + UNRESERVED_HEX.charAt(c >> 4) + UNRESERVED_HEX.charAt(c & 15);
    runStart = i + 1;
  }
  if (runStart == 0) return text;
  if (runStart < n) out += String.UTF8.decodeUnsafe(changetype<usize>(bytes) + <usize>runStart, <usize>(n - runStart));
  return out;
}

function pad(n: i64, width: i32): string {
  let s = n.toString();
  while (s.length < width) s = "0" + s;
  return s;
}

/** An epoch time as SigV4's timestamp, YYYYMMDD'T'HHMMSS'Z' (UTC). */
export function amzDate(epochSeconds: i64): string {
  const days = epochSeconds / 86400;
  const secs = epochSeconds - days * 86400;
  // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const day = doy - (153 * mp + 2) / 5 + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(secs / 3600, 2) + pad((secs % 3600) / 60, 2) + pad(secs % 60, 2) + "Z";
}

/** Trims a header value and collapses runs of spaces, as the canonical request wants it. */
function canonicalValue(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.includes("  ")) return trimmed;
  let out = "";
  let space = false;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    if (c == 0x20) { if (!space) out += " "; space = true; continue; }
    space = false;
    out += String.fromCharCode(c);
  }
  return out;
}

export class SigV4Signer {
  private keyDay: string = "";
  private signingKey: ArrayBuffer = new ArrayBuffer(0);

  constructor(public accessKeyId: string, private secretAccessKey: string, public region: string, public service: string) {}

  /** The day's signing key: HMAC chain over date, region, service and "aws4_request". */
  private keyFor(day: string): ArrayBuffer {
    if (day != this.keyDay) {
      const kDate = hmacSha256String(String.UTF8.encode("AWS4" + this.secretAccessKey), day);
      const kRegion = hmacSha256String(kDate, this.region);
      const kService = hmacSha256String(kRegion, this.service);
      this.signingKey = hmacSha256String(kService, "aws4_request");
      this.keyDay = day;
    }
    return this.signingKey;
  }

  /**
   * The Authorization header value. `canonicalUri` and `canonicalQuery` are already in canonical
   * form; `names` are lower-case and sorted, `values` beside them; `payloadHash` is the hex SHA-256
   * of the body; `date` is amzDate() of the request time (also sent as x-amz-date).
   */
  authorization(method: string, canonicalUri: string, canonicalQuery: string, names: string[], values: string[], payloadHash: string, date: string): string {
    // The canonical request is hashed piece by piece, never built as one string.
    const h = new Sha256();
    h.updateAscii(method).updateAscii("\n").updateAscii(canonicalUri).updateAscii("\n").updateAscii(canonicalQuery).updateAscii("\n");
    for (let i = 0; i < names.length; i++) h.updateAscii(names[i]).updateAscii(":").updateAscii(canonicalValue(values[i])).updateAscii("\n");
    const signed = names.join(";");
    h.updateAscii("\n").updateAscii(signed).updateAscii("\n").updateAscii(payloadHash);
    const day = date.substring(0, 8);
    const scope = day + "/" + this.region + "/" + this.service + "/aws4_request";
    const toSign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + toHex(h.digest());
    const signature = toHex(hmacSha256Ascii(this.keyFor(day), toSign));
    return "AWS4-HMAC-SHA256 Credential=" + this.accessKeyId + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + signature;
  }
}

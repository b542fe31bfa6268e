// Keys and masked keys taken out of text the filter passes on: a provider's error body, a message a
// translator decodes and writes anew. Provider error bodies show keys masked (OpenAI's 401 shows
// `sk-…****…abcd`), so a token holding a run of '*' goes too.
import { scanTopLevel } from "../json/scan";
import { isValidUtf8 } from "../json/utf8";

const REDACTED = "[redacted]";
const NO_KEYS = new StaticArray<ArrayBuffer>(0);

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

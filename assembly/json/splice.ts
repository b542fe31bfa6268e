// Builds a new body from the old one and a few edits, copying each byte once.

/** Replace bytes [start, end) of the original body with `bytes` (start == end inserts). */
export class Edit {
  constructor(public start: i32, public end: i32, public bytes: ArrayBuffer) {}
}

/** Applies non-overlapping edits to the body at `base`; edits may come in any order. */
export function applyEdits(base: usize, length: i32, edits: Array<Edit>): ArrayBuffer {
  // A handful of edits at most: insertion sort by start, inserts after a replace at the same spot.
  for (let i = 1; i < edits.length; i++) {
    const e = edits[i];
    let j = i - 1;
    while (j >= 0 && edits[j].start > e.start) {
      edits[j + 1] = edits[j];
      j--;
    }
    edits[j + 1] = e;
  }
  let size = length;
  for (let i = 0; i < edits.length; i++) size += edits[i].bytes.byteLength - (edits[i].end - edits[i].start);
  // Every byte is copied in below: no zero fill first (at 1 MB, fills were a quarter of module time).
  const out = changetype<ArrayBuffer>(__new(<usize>size, idof<ArrayBuffer>()));
  const dst = changetype<usize>(out);
  let written: usize = 0;
  let cursor = 0;
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i];
    const keep = e.start - cursor;
    memory.copy(dst + written, base + <usize>cursor, <usize>keep);
    written += <usize>keep;
    memory.copy(dst + written, changetype<usize>(e.bytes), <usize>e.bytes.byteLength);
    written += <usize>e.bytes.byteLength;
    cursor = e.end;
  }
  memory.copy(dst + written, base + <usize>cursor, <usize>(length - cursor));
  return out;
}

/** Encodes `text` as a JSON string literal, quotes included. */
export function jsonString(text: string): string {
  let out = "\"";
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escape: string | null = null;
    if (c == 0x22) escape = "\\\"";
    else if (c == 0x5c) escape = "\\\\";
    else if (c == 0x0a) escape = "\\n";
    else if (c == 0x0d) escape = "\\r";
    else if (c == 0x09) escape = "\\t";
    else if (c < 0x20) escape = "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    else if (c >= 0xd800 && c < 0xe000) {
      // A surrogate that is not half of a pair has no UTF-8: written as its escape, as it came.
      const paired = c < 0xdc00 ? i + 1 < text.length && (<i32>text.charCodeAt(i + 1) & 0xfc00) == 0xdc00 : i > 0 && (<i32>text.charCodeAt(i - 1) & 0xfc00) == 0xd800;
      if (!paired) escape = "\\u" + c.toString(16);
    }
    if (escape !== null) {
      out += text.substring(runStart, i) + escape;
      runStart = i + 1;
    }
  }
  return out + text.substring(runStart) + "\"";
}

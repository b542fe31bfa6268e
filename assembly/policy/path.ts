// Field paths into JSON: `choices[0].message.content`, `prompt`, `meta.tags[2]`. Used by template
// placeholders (the client's body) and response extraction (the answer).
import { MAX_SPAN_ITEMS, arrayItemsAtMost } from "../json/items";
import { JsonKind, JsonValue } from "../json/parse";
import { ScanResult, ValueSpan, arrayItemSpans, scanInto } from "../json/scan";

/** The grammar, for error messages. */
export const PATH_RULE = "field names of letters, digits, '_' or '-', joined by '.', with [N] for array items (e.g. choices[0].message.content)";

export class JsonPath {
  /** Per step: a member name, or "" when the step is an array index. */
  keys: string[] = [];
  /** Per step: an array index, or -1 when the step is a member name. */
  indexes: i32[] = [];
  /** Per step: the member name as UTF-8, for the scanner. */
  wanted: StaticArray<ArrayBuffer>[] = [];
  constructor(public text: string) {}

  /**
   * The value at this path in the JSON body at `base` (its span, relative to `base`), found by the
   * scanner without building a tree; null when a step is missing, of the wrong kind, or a member
   * name appears twice (JSON readers disagree on which one counts).
   */
  findSpan(base: usize, length: i32): ValueSpan | null {
    let span = new ValueSpan();
    span.start = 0; span.end = length; span.firstByte = length > 0 ? load<u8>(base) : 0;
    for (let i = 0; i < this.keys.length; i++) {
      const index = this.indexes[i];
      if (index < 0) {
        if (span.firstByte != 0x7b) return null;
        const scan = scanInto(new ScanResult(1), base + <usize>span.start, span.end - span.start, this.wanted[i]);
        const member = scan.spans[0];
        if (scan.error !== null || member.count != 1) return null;
        member.start += span.start; member.end += span.start;
        span = member;
      } else {
        if (span.firstByte != 0x5b) return null;
        // An answer's array of millions of items would cost the VM a span each: past the bound it has no such item.
        if (!arrayItemsAtMost(base, span.start, span.end, MAX_SPAN_ITEMS)) return null;
        const items = arrayItemSpans(base, span.start, span.end);
        if (items === null || index >= items.length) return null;
        span = items[index];
      }
    }
    return span;
  }

  /** The value at this path, or null when a step is missing (or of the wrong kind). */
  find(root: JsonValue): JsonValue | null {
    let v: JsonValue | null = root;
    for (let i = 0; i < this.keys.length && v !== null; i++) {
      const index = this.indexes[i];
      if (index < 0) v = v.kind == JsonKind.Object ? v.get(this.keys[i]) : null;
      else v = v.kind == JsonKind.Array && index < v.items.length ? v.items[index] : null;
    }
    return v;
  }
}

function isNameChar(c: i32): bool {
  return c >= 0x61 && c <= 0x7a || c >= 0x41 && c <= 0x5a || c >= 0x30 && c <= 0x39 || c == 0x5f || c == 0x2d;
}

/** Parses a path; null when it does not follow PATH_RULE. */
export function parsePath(text: string): JsonPath | null {
  const path = new JsonPath(text);
  let i = 0;
  const n = text.length;
  if (n == 0 || n > 256) return null;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c == 0x5b) {
      let j = i + 1, index = 0;
      while (j < n && j - i <= 6 && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) { index = index * 10 + text.charCodeAt(j) - 0x30; j++; }
      if (j == i + 1 || j >= n || text.charCodeAt(j) != 0x5d) return null;
      path.keys.push(""); path.indexes.push(index); path.wanted.push(new StaticArray<ArrayBuffer>(0));
      i = j + 1;
    } else {
      // A name: at the start, or after '.'.
      if (path.keys.length > 0) { if (c != 0x2e) return null; i++; }
      const from = i;
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      if (i == from) return null;
      path.keys.push(text.substring(from, i)); path.indexes.push(-1);
      const wanted = new StaticArray<ArrayBuffer>(1);
      wanted[0] = String.UTF8.encode(text.substring(from, i));
      path.wanted.push(wanted);
    }
  }
  return path;
}

// Typed reads of parsed JSON members: null when absent or of another kind, so translators can
// say what they expected instead of trapping on a surprise.
import { JsonKind, JsonValue } from "./parse";
import { isCaseVariantText } from "./fold";

/** The first key seen that differs only in case from a key a translator read (fold.ts). */
let caseVariant: string | null = null;

/** The member named `key`; notes a member a case-insensitive reader would take for it instead. */
export function member(v: JsonValue, key: string): JsonValue | null {
  if (v.kind != JsonKind.Object) return null;
  let found: JsonValue | null = null;
  for (let i = 0; i < v.keys.length; i++) {
    const k = v.keys[i];
    if (k == key) found = v.items[i];
    else if (caseVariant === null && isCaseVariantText(k, key)) caseVariant = k;
  }
  return found;
}

/**
 * The case variant member() noted since the last call, and forget it. Around a request's
 * translation: a variant there is refused like a duplicate key (a Go provider reading the
 * client's JSON would take it for the key).
 */
export function takeCaseVariant(): string | null {
  const found = caseVariant;
  caseVariant = null;
  return found;
}

export function stringAt(v: JsonValue, key: string): string | null {
  const m = member(v, key);
  return m !== null && m.kind == JsonKind.String ? m.text : null;
}

export function objectAt(v: JsonValue, key: string): JsonValue | null {
  const m = member(v, key);
  return m !== null && m.kind == JsonKind.Object ? m : null;
}

export function arrayAt(v: JsonValue, key: string): JsonValue | null {
  const m = member(v, key);
  return m !== null && m.kind == JsonKind.Array ? m : null;
}

/** A member that is a number, or null. */
export function numberAt(v: JsonValue, key: string): JsonValue | null {
  const m = member(v, key);
  return m !== null && m.kind == JsonKind.Number ? m : null;
}

/** An integer member, or `fallback`. */
export function integerAt(v: JsonValue, key: string, fallback: i64): i64 {
  const m = member(v, key);
  return m !== null && m.isInteger() ? <i64>m.numberValue : fallback;
}

/** The `text` members of an array's items, joined by `separator`; null when an item has none. */
export function joinedTexts(items: JsonValue, separator: string): string | null {
  const texts = new Array<string>();
  for (let i = 0; i < items.items.length; i++) {
    const text = stringAt(items.items[i], "text");
    if (text === null) return null;
    texts.push(text!);
  }
  return texts.join(separator);
}

/** True when the member is present and not null. */
export function has(v: JsonValue, key: string): bool {
  const m = member(v, key);
  return m !== null && m.kind != JsonKind.Null;
}

/** A data URL's parts (data:MEDIA;base64,DATA), or null when it is not a base64 data URL. */
export class DataUrl {
  constructor(public mediaType: string, public data: string) {}
  static parse(url: string): DataUrl | null {
    if (!url.startsWith("data:")) return null;
    const comma = url.indexOf(",");
    if (comma < 0) return null;
    const meta = url.substring(5, comma);
    if (!meta.endsWith(";base64")) return null;
    return new DataUrl(meta.substring(0, meta.length - 7), url.substring(comma + 1));
  }
}

/** An OpenAI tool's function object when the tool is {"type":"function","function":{"name":…}}, else null. */
export function functionOf(tool: JsonValue): JsonValue | null {
  const fn = objectAt(tool, "function");
  const type = stringAt(tool, "type");
  if (type === null || type! != "function" || fn === null || stringAt(fn!, "name") === null) return null;
  return fn;
}

/** The refusal for a tool that is not an OpenAI function tool. */
export function notAFunctionTool(index: i32): string {
  return "tools[" + index.toString() + "]: must be {\"type\":\"function\",\"function\":{\"name\":…}}";
}

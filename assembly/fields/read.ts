// Typed field readers over a parsed JSON object. Each reports a problem with the field's path and
// returns a safe fallback, so one pass over the config finds every problem.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "./diagnostics";

/** Joins a parent path and a field name: "" + "routes" → "routes", "routes[0]" + "name" → "routes[0].name". */
export function childPath(parent: string, field: string): string {
  return parent.length == 0 ? field : parent + "." + field;
}

export function indexPath(parent: string, index: i32): string {
  return parent + "[" + index.toString() + "]";
}

/** Reports every member of `obj` that is not in `allowed`. */
export function rejectUnknownFields(obj: JsonValue, path: string, allowed: string[], d: Diagnostics): void {
  for (let i = 0; i < obj.keys.length; i++) {
    if (!allowed.includes(obj.keys[i])) {
      d.error(childPath(path, obj.keys[i]), "unknown field (accepted: " + allowed.join(", ") + ")");
    }
  }
}

/** True when `v` is an object; otherwise reports it. */
export function expectObject(v: JsonValue, path: string, d: Diagnostics): bool {
  if (v.kind == JsonKind.Object) return true;
  d.error(path, "must be an object");
  return false;
}

export function optionalString(obj: JsonValue, key: string, path: string, d: Diagnostics): string | null {
  const v = obj.get(key);
  if (v === null) return null;
  if (v.kind != JsonKind.String) { d.error(childPath(path, key), "must be a string"); return null; }
  return v.text;
}

export function requiredString(obj: JsonValue, key: string, path: string, d: Diagnostics): string {
  const v = obj.get(key);
  if (v === null) { d.error(childPath(path, key), "is required"); return ""; }
  if (v.kind != JsonKind.String) { d.error(childPath(path, key), "must be a string"); return ""; }
  if (v.text.length == 0) { d.error(childPath(path, key), "must not be empty"); return ""; }
  return v.text;
}

/** An optional integer in [min, max]; `fallback` when absent or invalid. */
export function optionalInteger(obj: JsonValue, key: string, path: string, d: Diagnostics, min: i64, max: i64, fallback: i64, rule: string): i64 {
  const v = obj.get(key);
  if (v === null) return fallback;
  if (!v.isInteger() || <i64>v.numberValue < min || <i64>v.numberValue > max) {
    d.error(childPath(path, key), rule);
    return fallback;
  }
  return <i64>v.numberValue;
}

export function optionalBool(obj: JsonValue, key: string, path: string, d: Diagnostics, fallback: bool): bool {
  const v = obj.get(key);
  if (v === null) return fallback;
  if (v.kind != JsonKind.Bool) { d.error(childPath(path, key), "must be true or false"); return fallback; }
  return v.boolValue;
}

/** An optional array; null (after reporting) when present but not an array. */
export function optionalArray(obj: JsonValue, key: string, path: string, d: Diagnostics): JsonValue[] | null {
  const v = obj.get(key);
  if (v === null) return null;
  if (v.kind != JsonKind.Array) { d.error(childPath(path, key), "must be an array"); return null; }
  return v.items;
}

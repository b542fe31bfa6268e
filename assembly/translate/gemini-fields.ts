// Gemini's REST API reads every field by its lowerCamelCase JSON name or by its proto's
// snake_case name (`system_instruction`, `inline_data`, `max_output_tokens`: Google's own curl
// examples use both). The translators read lowerCamelCase, so a request's names are made so first,
// except inside the client's own data (schemas, call arguments, results), whose keys are its own.
import { JsonKind, JsonValue } from "../json/parse";

/** snake_case keys renamed in one object at most (Gemini's objects have a few dozen fields): the duplicate check stays linear. */
const MAX_RENAMED = 64;

/** Members whose values are the client's data, never renamed. */
const OPAQUE = ["args", "response", "parameters", "parametersJsonSchema", "responseSchema", "responseJsonSchema"];

/**
 * Renames snake_case keys to lowerCamelCase in place, through the whole request but its data.
 * Returns why a key is refused (given in both spellings, or one rename too many), or null.
 */
export function camelCaseKeys(v: JsonValue): string | null {
  if (v.kind == JsonKind.Array) {
    for (let i = 0; i < v.items.length; i++) { const twice = camelCaseKeys(v.items[i]); if (twice !== null) return twice; }
    return null;
  }
  if (v.kind != JsonKind.Object) return null;
  let renamed = 0;
  for (let i = 0; i < v.keys.length; i++) {
    const key = v.keys[i];
    if (key.indexOf("_") > 0) {
      const camel = camelOf(key);
      if (++renamed > MAX_RENAMED) return key + ": over " + MAX_RENAMED.toString() + " snake_case names in one object";
      if (v.keys.includes(camel)) return key + ": given as both " + key + " and " + camel;
      v.keys[i] = camel;
    }
    if (!OPAQUE.includes(v.keys[i])) { const twice = camelCaseKeys(v.items[i]); if (twice !== null) return twice; }
  }
  return null;
}

/** max_output_tokens -> maxOutputTokens (ASCII: Gemini's names are; String.toUpperCase would bring Unicode's tables). */
function camelOf(key: string): string {
  const words = key.split("_");
  let out = words[0];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w.length == 0) continue;
    const c = w.charCodeAt(0);
    out += (c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 0x20) : w.charAt(0)) + w.substring(1);
  }
  return out;
}

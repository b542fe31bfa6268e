// Gemini's `parameters` and `responseSchema` take an OpenAPI 3.0 subset
// (https://ai.google.dev/api/caching#Schema): upper-case type names (OBJECT, STRING…), `nullable`,
// and Gemini's own `propertyOrdering`. Other APIs take JSON Schema: the same tree with lower-case
// types, `nullable: true` as a "null" type beside the other, and Gemini's own keys left out.
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";

/** Keys of Gemini's Schema whose values are schemas, or maps or lists of them. */
const ONE_SCHEMA = ["items", "not", "additionalProperties"];
const SCHEMA_MAP = ["properties", "$defs", "definitions"];
const SCHEMA_LIST = ["anyOf", "oneOf", "allOf", "prefixItems"];
/** Keys that mean nothing outside Gemini. */
const GEMINI_ONLY = ["propertyOrdering", "nullable"];

/** Writes an OpenAPI-subset schema as JSON Schema. The parser bounds its depth, so the recursion is bounded too. */
export function writeOpenApiSchema(w: JsonWriter, s: JsonValue): void {
  if (s.kind != JsonKind.Object) { w.value(s); return; }
  const nullable = s.get("nullable");
  const orNull = nullable !== null && nullable.kind == JsonKind.Bool && nullable.boolValue;
  w.object();
  for (let i = 0; i < s.keys.length; i++) {
    const key = s.keys[i];
    const v = s.items[i];
    if (GEMINI_ONLY.includes(key)) continue;
    w.key(key);
    if (key == "type" && v.kind == JsonKind.String) {
      if (orNull) w.array().string(v.text.toLowerCase()).string("null").endArray();
      else w.string(v.text.toLowerCase());
    } else if (ONE_SCHEMA.includes(key)) writeOpenApiSchema(w, v);
    else if (SCHEMA_MAP.includes(key) && v.kind == JsonKind.Object) {
      w.object();
      for (let j = 0; j < v.keys.length; j++) { w.key(v.keys[j]); writeOpenApiSchema(w, v.items[j]); }
      w.endObject();
    } else if (SCHEMA_LIST.includes(key) && v.kind == JsonKind.Array) {
      w.array();
      for (let j = 0; j < v.items.length; j++) writeOpenApiSchema(w, v.items[j]);
      w.endArray();
    } else w.value(v);
  }
  w.endObject();
}

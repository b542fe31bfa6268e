import { JsonKind, JsonValue } from "../json/parse";

/** OpenAI's documented nesting limit for strict schemas; deeper schemas are sent without `strict`. */
const MAX_STRICT_DEPTH = 10;
const LIST_KEYS = ["anyOf", "allOf", "oneOf", "prefixItems"];
const MAP_KEYS = ["properties", "$defs", "definitions"];

/**
 * Whether OpenAI's strict mode accepts `schema`: the root is an object, and every object lists all
 * its properties in `required` and sets `additionalProperties: false`. One pass over the schema
 * (each node once), at most MAX_STRICT_DEPTH subschemas deep.
 */
export function meetsOpenAIStrict(schema: JsonValue): bool {
  const type = schema.get("type");
  if (type === null || type.kind != JsonKind.String || type.text != "object") return false;
  return strictNode(schema, 0);
}

function strictNode(node: JsonValue, depth: i32): bool {
  if (node.kind != JsonKind.Object || depth > MAX_STRICT_DEPTH) return false;
  const type = node.get("type");
  const properties = node.get("properties");
  const isObject = (type !== null && type.kind == JsonKind.String && type.text == "object") || properties !== null;
  if (isObject && !closedAndAllRequired(node, properties)) return false;
  for (let i = 0; i < MAP_KEYS.length; i++) {
    const map = node.get(MAP_KEYS[i]);
    if (map === null) continue;
    if (map.kind != JsonKind.Object) return false;
    for (let j = 0; j < map.items.length; j++) if (!strictNode(map.items[j], depth + 1)) return false;
  }
  for (let i = 0; i < LIST_KEYS.length; i++) {
    const list = node.get(LIST_KEYS[i]);
    if (list === null) continue;
    if (list.kind != JsonKind.Array) return false;
    for (let j = 0; j < list.items.length; j++) if (!strictNode(list.items[j], depth + 1)) return false;
  }
  const items = node.get("items");
  return items === null || strictNode(items, depth + 1);
}

function closedAndAllRequired(node: JsonValue, properties: JsonValue | null): bool {
  const extra = node.get("additionalProperties");
  if (extra === null || extra.kind != JsonKind.Bool || extra.boolValue) return false;
  const count = properties === null ? 0 : properties.keys.length;
  if (properties !== null && properties.kind != JsonKind.Object) return false;
  const required = node.get("required");
  if (required === null) return count == 0;
  if (required.kind != JsonKind.Array) return false;
  const listed = new Set<string>();
  for (let i = 0; i < required.items.length; i++) {
    const name = required.items[i];
    if (name.kind != JsonKind.String) return false;
    listed.add(name.text);
  }
  for (let i = 0; i < count; i++) if (!listed.has(properties!.keys[i])) return false;
  return true;
}

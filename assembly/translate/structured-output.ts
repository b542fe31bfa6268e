// OpenAI chat's response_format, read once for every translator that leaves the chat shape
// (Anthropic output_config.format, Gemini responseJsonSchema, Bedrock outputConfig.textFormat).
//   https://platform.openai.com/docs/api-reference/chat/create#chat-create-response_format
import { JsonValue } from "../json/parse";
import { objectAt, stringAt } from "../json/members";

/** What response_format asks for: nothing (text), JSON without a schema, or JSON matching a schema. */
export enum OutputKind { Text, JsonObject, JsonSchema }

/** A chat request's response_format, or the client error that refuses it. */
export class ResponseFormat {
  kind: OutputKind = OutputKind.Text;
  schema: JsonValue | null = null;
  name: string | null = null;
  description: string | null = null;
  error: string | null = null;
}

/** Reads response_format; a json_schema without its schema object is a client error. */
export function readResponseFormat(body: JsonValue): ResponseFormat {
  const out = new ResponseFormat();
  const format = objectAt(body, "response_format");
  if (format === null) return out;
  const type = stringAt(format!, "type");
  if (type === null) return out;
  if (type! == "json_object") out.kind = OutputKind.JsonObject;
  else if (type! == "json_schema") {
    const spec = objectAt(format!, "json_schema");
    const schema = spec !== null ? objectAt(spec!, "schema") : null;
    if (schema === null) { out.error = "response_format.json_schema.schema: is required"; return out; }
    out.kind = OutputKind.JsonSchema;
    out.schema = schema;
    out.name = stringAt(spec!, "name");
    out.description = stringAt(spec!, "description");
  }
  return out;
}

/** The refusal of JSON mode for a backend whose structured output needs a schema. */
export function jsonModeNeedsSchema(backend: string): string {
  return "response_format: " + backend + " has no JSON mode without a schema; use {\"type\":\"json_schema\",\"json_schema\":{\"schema\":…}}";
}

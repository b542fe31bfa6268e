// Reading an OpenAI Chat Completions request, for the translators that write another API's request
// from it (openai-to-anthropic.ts, openai-to-gemini.ts, openai-to-bedrock.ts): each keeps only what its API writes.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { functionOf, member, notAFunctionTool, numberAt, objectAt, stringAt } from "../json/members";

/** An assistant message's tool call as readToolCall reads it; reused for every call (the VM is single-threaded). */
export class ChatToolCall {
  id: string = "";
  name: string = "";
  /** The arguments parsed, an object; null when absent or blank. */
  args: JsonValue | null = null;
}
export const CALL = new ChatToolCall();

/** Reads a tool call into CALL; the problem (`argsAre`: what the backend takes the arguments as), or null. */
export function readToolCall(call: JsonValue, callPath: string, argsAre: string): string | null {
  const id = stringAt(call, "id");
  const fn = objectAt(call, "function");
  const name = fn !== null ? stringAt(fn, "name") : null;
  if (id === null || name === null) return callPath + ": needs id and function.name";
  const args = stringAt(fn!, "arguments");
  let parsed: JsonValue | null = null;
  if (args !== null && args!.trim().length > 0) {
    parsed = parseJson(args!).value;
    if (parsed === null || parsed!.kind != JsonKind.Object) return callPath + ".function.arguments: must be a JSON object (" + argsAre + ")";
  }
  CALL.id = id!;
  CALL.name = name!;
  CALL.args = parsed;
  return null;
}

/** A text or image_url content part as readPart reads it; reused for every part (the VM is single-threaded). */
export class ChatPart {
  isText: bool = false;
  /** A text part's text. */
  text: string = "";
  /** An image_url part's URL; null when it has none. */
  url: string | null = null;
}
export const PART = new ChatPart();

/**
 * Reads a text or image_url part into PART; the problem for a text part without text or any other
 * type, naming `backend` ("a Gemini backend"). `bareUrl`: "image_url" may be the URL itself.
 */
export function readPart(part: JsonValue, path: string, backend: string, bareUrl: bool = false): string | null {
  const type = stringAt(part, "type");
  if (type !== null && type! == "text") {
    const text = stringAt(part, "text");
    if (text === null) return path + ".text: is required";
    PART.isText = true;
    PART.text = text!;
    return null;
  }
  if (type !== null && type! == "image_url") {
    const image = objectAt(part, "image_url");
    PART.isText = false;
    PART.url = image !== null ? stringAt(image!, "url") : bareUrl ? stringAt(part, "image_url") : null;
    return null;
  }
  return path + ".type: \"" + (type !== null ? type! : "") + "\" content is not supported by " + backend + " (text and image_url are)";
}

/** A function tool as readFunctionTool reads it; reused for every tool (the VM is single-threaded). */
export class ChatTool {
  name: string = "";
  description: string | null = null;
  /** The JSON Schema of the arguments; null when the tool has none. */
  parameters: JsonValue | null = null;

  /** Opens the tool's object with its name and description, as Anthropic, Gemini and Converse all write them. */
  writeHead(w: JsonWriter): void {
    w.object().key("name").string(this.name);
    if (this.description !== null) w.key("description").string(this.description!);
  }

  /** The arguments' schema; an empty object schema when the tool has none (Anthropic and Converse require one). */
  writeSchema(w: JsonWriter): void {
    if (this.parameters !== null) w.value(this.parameters!); else w.rawValue("{\"type\":\"object\",\"properties\":{}}");
  }
}
export const TOOL = new ChatTool();

/** Reads tools[index] into TOOL; the problem when it is not a function tool, or null. */
function readFunctionTool(tool: JsonValue, index: i32): string | null {
  const fn = functionOf(tool);
  if (fn === null) return notAFunctionTool(index);
  TOOL.name = stringAt(fn!, "name")!;
  TOOL.description = stringAt(fn!, "description");
  TOOL.parameters = objectAt(fn!, "parameters");
  return null;
}

/** Writes the tool read into TOOL in a backend's shape; `tool` is the client's (what rides on it, a cache mark). */
export type ToolWriter = (tool: JsonValue, w: JsonWriter) => void;

/** Each of the request's tools read into TOOL, then written by `write`; the first problem (a tool that is not a function), or null. */
export function writeFunctionTools(tools: JsonValue, w: JsonWriter, write: ToolWriter): string | null {
  for (let i = 0; i < tools.items.length; i++) {
    const problem = readFunctionTool(tools.items[i], i);
    if (problem !== null) return problem;
    write(tools.items[i], w);
  }
  return null;
}

/** max_completion_tokens, else the older max_tokens; null when neither is a number. */
export function tokenLimitOf(body: JsonValue): JsonValue | null {
  const limit = numberAt(body, "max_completion_tokens");
  return limit !== null ? limit : numberAt(body, "max_tokens");
}

/** Whether the client asked for a stream ("stream": true). */
export function streams(body: JsonValue): bool {
  const stream = member(body, "stream");
  return stream !== null && stream.kind == JsonKind.Bool && stream.boolValue;
}

/** Whether a streaming client asked for a last chunk with the usage (stream_options.include_usage). */
export function includesUsage(body: JsonValue): bool {
  const options = objectAt(body, "stream_options");
  const usage = options !== null ? member(options, "include_usage") : null;
  return usage !== null && usage.kind == JsonKind.Bool && usage.boolValue;
}

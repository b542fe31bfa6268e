// An OpenAI Chat Completions client, Amazon Bedrock's Converse API.
//   request:  https://platform.openai.com/docs/api-reference/chat/create
//          -> https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
//   response: the Converse answer -> chat.completion; ConverseStream's events (decoded from AWS's
//             binary event stream by stream/eventstream.ts) -> chat.completion.chunk events and [DONE].
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { OutputKind, jsonModeNeedsSchema, readResponseFormat } from "./structured-output";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { CALL, PART, TOOL, includesUsage, readPart, readToolCall, streams, tokenLimitOf, writeFunctionTools } from "./chat-request";
import { MessageWriter, TurnWriter, writeUserTurn } from "./turns";
import { DataUrl, arrayAt, integerAt, member, numberAt, objectAt, stringAt } from "../json/members";
import { readUsage } from "../usage/read";
import { SseEvent } from "../stream/sse";
import { readHubSearch } from "./web-search";
import { ClientError, TranslateFacts, TranslatedRequest, parseAnswer } from "./translator";
import { WireApi } from "../api";
import { ToOpenAIChat } from "./to-openai-chat";
import { Reasoning, Thought, claudeThinking, isSigned, readChatReasoning, readThought, thinkingFits, writeClaudeThinking, writeThought, portableCallId } from "./reasoning";
import { ScanResult, scanInto } from "../json/scan";
import { keys, scanInner } from "../json/spans";
import { CacheMarks, bedrockCaching, writeCachePoint } from "./cache-marks";
import { FROM_CONVERSE } from "./finish-reasons";

const DELTA_EVENT_KEYS = keys(["contentBlockIndex", "delta"]);
const DELTA_KEYS = keys(["text", "toolUse"]);
// Reused for every event (the VM is single-threaded; scans never nest).
const EVENT_SCAN = new ScanResult(2);
const DELTA_SCAN = new ScanResult(2);
/** This request's cache_control marks, as cachePoint blocks (cache-marks.ts): set in request(), read by the writers below. */
let marks = new CacheMarks();

/** The messages as Converse messages and system blocks. */
class ConverseMessages extends MessageWriter {
  constructor() { super("content"); }

  system(m: JsonValue, path: string): string | null {
    const system = this.systemBlocks;
    const content = member(m, "content");
    if (content !== null && content.kind == JsonKind.String) { if (content.text.length > 0) { system.object().key("text").string(content.text).endObject(); this.systemCount++; } }
    else if (content !== null && content.kind == JsonKind.Array) {
      for (let j = 0; j < content.items.length; j++) {
        const t = stringAt(content.items[j], "text");
        if (t === null) return path + ".content: a system message holds text only";
        const mark = marks.onSystem(content.items[j]);
        if (t!.length > 0) { system.object().key("text").string(t!).endObject(); this.systemCount++; pointAfter(mark, system); }
      }
    } else return path + ".content: must be a string or text parts";
    return null;
  }
  user(m: JsonValue, path: string): string | null { return writeUserTurn(m, path, this.turns, writeUserPart); }
  assistant(m: JsonValue, path: string): string | null { return writeAssistant(m, path, this.turns); }
  tool(m: JsonValue, path: string): string | null { return writeToolResult(m, path, this.turns); }
}

export class OpenAIToBedrock extends ToOpenAIChat {
  // Stream state.
  private started: bool = false;
  private stopped: bool = false;
  /** OpenAI tool_calls index of each Converse content block (-1: not a tool use). */
  private toolIndexOfBlock: Array<i32> = [];
  private toolCount: i32 = 0;

  constructor() { super(WireApi.Bedrock); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    this.takeFacts(facts);
    this.id = "chatcmpl-bedrock-" + facts.nowSeconds.toString();
    marks = CacheMarks.of(body, bedrockCaching(facts.model));
    const conversation = new ConverseMessages();
    const messagesProblem = conversation.write(body, "a Bedrock backend");
    if (messagesProblem !== null) return TranslatedRequest.refused(messagesProblem!);
    const w = new JsonWriter(1024);
    w.object().key("messages").rawBytes(conversation.turnBytes);
    if (conversation.systemCount > 0) w.key("system").rawBytes(conversation.systemBlocks.toBuffer());

    w.key("inferenceConfig").object();
    const limit = tokenLimitOf(body);
    if (limit !== null && (!limit.isInteger() || limit.numberValue < 1)) return TranslatedRequest.refused("max_tokens: must be a positive integer");
    const reasoning = new Reasoning();
    const reasoningProblem = readChatReasoning(body, reasoning);
    if (reasoningProblem !== null) return TranslatedRequest.refused(reasoningProblem!);
    // Claude on Bedrock thinks as on Anthropic (reasoning.ts); other Converse models take no thinking field.
    const thinking = claudeThinking(isClaude(facts.model) && thinkingFits(conversation.messages) ? reasoning : new Reasoning(), facts.model, limit !== null ? <i64>limit.numberValue : 0);
    if (limit !== null) w.key("maxTokens").rawValue(limit.text);
    else if (thinking.budget > 0) w.key("maxTokens").number(<i64>facts.defaultMaxTokens + thinking.budget);
    const temperature = numberAt(body, "temperature");
    if (temperature !== null && !thinking.on) w.key("temperature").rawValue(temperature.text);
    const topP = numberAt(body, "top_p");
    if (topP !== null && (!thinking.on || (!thinking.adaptive && topP.numberValue >= 0.95))) w.key("topP").rawValue(topP.text);
    const stop = member(body, "stop");
    if (stop !== null && stop.kind == JsonKind.String) w.key("stopSequences").array().string(stop.text).endArray();
    else if (stop !== null && stop.kind == JsonKind.Array) w.key("stopSequences").value(stop);
    w.endObject();
    const n = numberAt(body, "n");
    if (n !== null && n.numberValue != 1) return TranslatedRequest.refused("n: a Bedrock backend returns one choice; n must be 1");
    // Claude's own fields, passed through by Converse: thinking, and the effort adaptive thinking takes.
    if (thinking.on) {
      w.key("additionalModelRequestFields").object();
      writeClaudeThinking(thinking, w);
      if (thinking.adaptive) w.key("output_config").object().key("effort").string(thinking.effort).endObject();
      w.endObject();
    }

    const tools = arrayAt(body, "tools");
    const choice = member(body, "tool_choice");
    const none = choice !== null && choice.kind == JsonKind.String && choice.text == "none";
    // Converse has no "none": without the tools the model cannot call one.
    if (tools !== null && tools.items.length > 0 && !none) {
      w.key("toolConfig").object().key("tools").array();
      const toolProblem = writeFunctionTools(tools, w, writeToolSpec);
      if (toolProblem !== null) return TranslatedRequest.refused(toolProblem!);
      w.endArray();
      if (choice !== null && choice.kind == JsonKind.String && choice.text == "required") w.key("toolChoice").object().key("any").object().endObject().endObject();
      else if (choice !== null && choice.kind == JsonKind.Object) {
        const fn = objectAt(choice, "function");
        const name = fn !== null ? stringAt(fn!, "name") : null;
        if (name === null) return TranslatedRequest.refused("tool_choice.function.name: is required");
        w.key("toolChoice").object().key("tool").object().key("name").string(name!).endObject().endObject();
      }
      w.endObject();
    }
    const format = readResponseFormat(body);
    if (format.error !== null) return TranslatedRequest.refused(format.error!);
    // Converse's structured output: outputConfig.textFormat, the schema sent as a JSON string.
    if (format.kind == OutputKind.JsonSchema) {
      w.key("outputConfig").object().key("textFormat").object().key("type").string("json_schema")
        .key("structure").object().key("jsonSchema").object().key("schema").string(schemaText(format.schema!))
        .key("name").string(format.name !== null ? format.name! : "output");
      if (format.description !== null) w.key("description").string(format.description!);
      w.endObject().endObject().endObject().endObject();
    } else if (format.kind == OutputKind.JsonObject) return TranslatedRequest.refused(jsonModeNeedsSchema("a Bedrock backend"));
    w.endObject();
    const streaming = streams(body);
    if (streaming) this.includeUsage = includesUsage(body);
    // Converse has no web search: web_search_options follows the route's hostedTools rule.
    const search = readHubSearch(body);
    if (search.problem !== null) return TranslatedRequest.refused(search.problem!);
    if (search.search !== null && facts.refuseHostedTools) return TranslatedRequest.refused("web_search_options: a Bedrock backend has no web search (the route's hostedTools is \"refuse\")");
    return TranslatedRequest.of(w, streaming, search.search !== null ? ["web_search"] : null);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const r = parseAnswer(body);
    if (r === null) return null;
    const output = objectAt(r, "output");
    const message = output !== null ? objectAt(output!, "message") : null;
    const content = message !== null ? arrayAt(message!, "content") : null;
    if (content === null) return null;
    this.readUsage(objectAt(r, "usage"));
    const w = new JsonWriter(body.byteLength + 256);
    w.object().key("id").string(this.id).key("object").string("chat.completion").key("created").number(this.created).key("model").string(this.model);
    this.messageOpen(w);
    // Parts joined once at the end: += per block would copy the text so far each time (quadratic).
    const parts = new Array<string>();
    let calls = 0;
    for (let i = 0; i < content!.items.length; i++) {
      const block = content!.items[i];
      const t = stringAt(block, "text");
      if (t !== null) parts.push(t!);
      if (objectAt(block, "toolUse") !== null) calls++;
    }
    const text = parts.join("");
    w.key("content");
    if (calls > 0 && text.length == 0) w.nil(); else w.string(text);
    w.key("refusal").nil();
    writeThought(w, thoughtOf(content!));
    if (calls > 0) {
      w.key("tool_calls").array();
      for (let i = 0; i < content!.items.length; i++) {
        const use = objectAt(content!.items[i], "toolUse");
        if (use === null) continue;
        const id = stringAt(use!, "toolUseId");
        const name = stringAt(use!, "name");
        const input = member(use!, "input");
        w.object().key("id").string(id !== null ? id! : "").key("type").string("function");
        w.key("function").object().key("name").string(name !== null ? name! : "").key("arguments").string(input !== null ? input.toJson() : "{}").endObject().endObject();
      }
      w.endArray();
    }
    return this.answerClose(w, FROM_CONVERSE.of(stringAt(r, "stopReason")));
  }

  event(event: SseEvent, out: JsonWriter): void {
    if (this.finished) return;
    if (this.started && event.name == "contentBlockDelta" && this.textDelta(event, out)) return;
    const parsed = parseJson(event.text(), MAX_ANSWER_VALUES);
    if (parsed.value === null || parsed.value!.kind != JsonKind.Object) { this.fail(out, "the provider sent a stream event that is not JSON"); return; }
    const data = parsed.value!;
    const type = event.name;
    if (type.startsWith("exception:")) {
      const message = stringAt(data, "message");
      this.fail(out, type.substring(10) + ": " + (message !== null ? message! : "the provider reported an error mid-stream"));
      return;
    }
    if (!this.started) {
      this.started = true;
      this.roleChunk(out);
    }
    if (type == "contentBlockStart") {
      const index = <i32>integerAt(data, "contentBlockIndex", -1);
      const start = objectAt(data, "start");
      const use = start !== null ? objectAt(start!, "toolUse") : null;
      if (use === null || index < 0 || index > 4096) return;
      while (this.toolIndexOfBlock.length <= index) this.toolIndexOfBlock.push(-1);
      const toolIndex = this.toolCount++;
      this.toolIndexOfBlock[index] = toolIndex;
      const id = stringAt(use!, "toolUseId");
      const name = stringAt(use!, "name");
      this.toolStart(out, toolIndex, id !== null ? id! : "", name !== null ? name! : "");
    } else if (type == "contentBlockDelta") {
      const index = <i32>integerAt(data, "contentBlockIndex", -1);
      const delta = objectAt(data, "delta");
      if (delta === null) return;
      const text = stringAt(delta!, "text");
      if (text !== null && text!.length > 0) {
        this.chunkOpen(out);
        out.key("content").string(text!);
        this.chunkClose(out, null);
        return;
      }
      const reasoning = objectAt(delta!, "reasoningContent");
      if (reasoning !== null) {
        // One of text, signature or redactedContent per delta: the hub's reasoning fields.
        const fields = ["text", "signature", "redactedContent"];
        const hub = ["reasoning_content", "reasoning_signature", "reasoning_redacted"];
        for (let f = 0; f < fields.length; f++) {
          const v = stringAt(reasoning!, fields[f]);
          if (v === null || v!.length == 0) continue;
          this.chunkOpen(out);
          out.key(hub[f]).string(v!);
          this.chunkClose(out, null);
        }
        return;
      }
      const use = objectAt(delta!, "toolUse");
      const input = use !== null ? stringAt(use!, "input") : null;
      if (input === null || input!.length == 0 || index < 0 || index >= this.toolIndexOfBlock.length || this.toolIndexOfBlock[index] < 0) return;
      this.toolArgsSent(this.toolIndexOfBlock[index]);
      this.chunkOpen(out);
      out.key("tool_calls").array().object().key("index").number(this.toolIndexOfBlock[index]).key("function").object().key("arguments").string(input!).endObject().endObject().endArray();
      this.chunkClose(out, null);
    } else if (type == "messageStop") {
      this.stopped = true;
      this.closeToolsWithoutArgs(out);
      this.chunkOpen(out);
      this.chunkClose(out, FROM_CONVERSE.of(stringAt(data, "stopReason")));
    } else if (type == "metadata") {
      // Usage comes after messageStop, in the stream's last event.
      this.readUsage(objectAt(data, "usage"));
      if (this.stopped) this.done(out);
    }
  }

  /** A text delta, from byte spans: the text copied as the JSON string it already is. False for anything else. */
  private textDelta(event: SseEvent, out: JsonWriter): bool {
    const base = event.ptr;
    if (scanInto(EVENT_SCAN, base, event.length, DELTA_EVENT_KEYS).error !== null) return false;
    const deltaSpan = EVENT_SCAN.spans[1];
    if (!scanInner(DELTA_SCAN, base, deltaSpan, DELTA_KEYS) || DELTA_SCAN.spans[1].count != 0) return false;
    const text = DELTA_SCAN.spans[0];
    if (text.count != 1 || text.firstByte != 0x22) return false;
    if (text.end - text.start == 2) return true;
    this.textFromSpan(out, base + <usize>deltaSpan.start + <usize>text.start, text.end - text.start);
    return true;
  }

  endStream(out: JsonWriter): void {
    if (this.finished) return;
    if (this.stopped) this.done(out);
    else this.fail(out, "the provider's stream ended before the message was complete");
  }

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    return new ClientError(status, errorBodyFor(WireApi.OpenAI, status, "", info === null ? "provider_error" : null, info !== null ? info.message : fallback));
  }

  private readUsage(usage: JsonValue | null): void {
    if (usage !== null) readUsage(WireApi.Bedrock, usage!, this.usage);
  }

}

/** A Claude model on Bedrock (a model id, inference profile or ARN naming one). */
function isClaude(model: string): bool { return model.includes("anthropic.claude") || model.includes("claude-"); }

/** An answer's reasoningContent blocks as the hub's fields: texts joined, the first signature and redacted block. */
function thoughtOf(content: JsonValue): Thought {
  const t = new Thought();
  const texts = new Array<string>();
  for (let i = 0; i < content.items.length; i++) {
    const reasoning = objectAt(content.items[i], "reasoningContent");
    if (reasoning === null) continue;
    const text = objectAt(reasoning!, "reasoningText");
    if (text !== null) {
      const t1 = stringAt(text!, "text");
      if (t1 !== null) texts.push(t1!);
      if (t.signature === null) t.signature = stringAt(text!, "signature");
    }
    const redacted = stringAt(reasoning!, "redactedContent");
    if (redacted !== null && t.redacted === null) t.redacted = redacted;
  }
  if (texts.length > 0) t.text = texts.join("");
  return t;
}

/** A function tool (TOOL) as a Converse toolSpec, with its cache point after it. */
function writeToolSpec(tool: JsonValue, w: JsonWriter): void {
  w.object().key("toolSpec");
  TOOL.writeHead(w);
  w.key("inputSchema").object().key("json");
  TOOL.writeSchema(w);
  w.endObject().endObject().endObject();
  pointAfter(marks.onTool(tool), w);
}

/** Converse image formats, from a data URL's media type. */
function imageFormat(mediaType: string): string | null {
  if (mediaType == "image/png") return "png";
  if (mediaType == "image/jpeg" || mediaType == "image/jpg") return "jpeg";
  if (mediaType == "image/gif") return "gif";
  if (mediaType == "image/webp") return "webp";
  return null;
}

/** A text or image part as a Converse content block (images inline only: Converse fetches no URLs). */
function writePart(part: JsonValue, out: JsonWriter, path: string): string | null {
  const problem = readPart(part, path, "a Bedrock backend");
  if (problem !== null) return problem;
  if (PART.isText) {
    out.object().key("text").string(PART.text).endObject();
    return null;
  }
  const data = PART.url !== null ? DataUrl.parse(PART.url!) : null;
  if (data === null) return path + ".image_url.url: a Bedrock backend takes images inline: use a data URL (data:image/png;base64,…)";
  const format = imageFormat(data.mediaType);
  if (format === null) return path + ".image_url.url: Bedrock takes png, jpeg, gif and webp images";
  out.object().key("image").object().key("format").string(format!).key("source").object().key("bytes").string(data.data).endObject().endObject().endObject();
  return null;
}

/** A user message's part, and a cachePoint after it when the part is marked. */
function writeUserPart(part: JsonValue, out: JsonWriter, path: string): string | null {
  const mark = marks.onMessage(part);
  const problem = writePart(part, out, path);
  if (problem === null) pointAfter(mark, out);
  return problem;
}

/** A kept mark as a cachePoint block after the marked one. */
function pointAfter(mark: string | null, out: JsonWriter): void {
  if (mark !== null) writeCachePoint(out, mark!);
}

function writeAssistant(m: JsonValue, path: string, turns: TurnWriter): string | null {
  // Earlier thinking goes back first in its turn, unchanged (Claude checks its signature; none, none sent).
  const thought = readThought(m);
  if (isSigned(thought)) {
    turns.block("assistant").object().key("reasoningContent").object().key("reasoningText").object()
      .key("text").string(thought.text !== null ? thought.text! : "").key("signature").string(thought.signature!).endObject().endObject().endObject();
  }
  if (thought.redacted !== null) turns.block("assistant").object().key("reasoningContent").object().key("redactedContent").string(thought.redacted!).endObject().endObject();
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String && content.text.length > 0) turns.block("assistant").object().key("text").string(content.text).endObject();
  else if (content !== null && content.kind == JsonKind.Array) {
    for (let i = 0; i < content.items.length; i++) {
      const t = stringAt(content.items[i], "text");
      if (t === null) return path + ".content: an assistant message holds text only";
      const mark = marks.onMessage(content.items[i]);
      if (t!.length > 0) { const out = turns.block("assistant"); out.object().key("text").string(t!).endObject(); pointAfter(mark, out); }
    }
  }
  const calls = arrayAt(m, "tool_calls");
  if (calls === null) return null;
  for (let i = 0; i < calls.items.length; i++) {
    const call = calls.items[i];
    const callPath = path + ".tool_calls[" + i.toString() + "]";
    const problem = readToolCall(call, callPath, "Converse's tool input");
    if (problem !== null) return problem;
    const out = turns.block("assistant");
    out.object().key("toolUse").object().key("toolUseId").string(portableCallId(CALL.id)).key("name").string(CALL.name).key("input");
    if (CALL.args !== null) out.value(CALL.args!); else out.rawValue("{}");
    out.endObject().endObject();
    pointAfter(marks.onMessage(call), out);
  }
  return null;
}

/** A tool message as a toolResult block in a user turn; a JSON object result as {"json": …}, other text as {"text": …}. */
function writeToolResult(m: JsonValue, path: string, turns: TurnWriter): string | null {
  const id = stringAt(m, "tool_call_id");
  if (id === null) return path + ".tool_call_id: is required";
  const content = member(m, "content");
  const mark = marks.onToolResult(m);
  const out = turns.block("user");
  out.object().key("toolResult").object().key("toolUseId").string(portableCallId(id!)).key("content").array();
  if (content !== null && content.kind == JsonKind.String) {
    const asJson = parseJson(content.text).value;
    if (asJson !== null && asJson!.kind == JsonKind.Object) out.object().key("json").value(asJson!).endObject();
    else out.object().key("text").string(content.text).endObject();
  } else if (content !== null && content.kind == JsonKind.Array) {
    for (let i = 0; i < content.items.length; i++) {
      const problem = writePart(content.items[i], out, path + ".content[" + i.toString() + "]");
      if (problem !== null) return problem;
    }
  } else return path + ".content: must be a string or an array of parts";
  out.endArray().endObject().endObject();
  pointAfter(mark, out);
  return null;
}

/** A schema as JSON text, written in one pass (toJson re-copies each nesting level). */
function schemaText(schema: JsonValue): string {
  return String.UTF8.decode(new JsonWriter(256).value(schema).toBuffer());
}

// An OpenAI Chat Completions client, an Anthropic Messages backend.
//   request:  https://platform.openai.com/docs/api-reference/chat/create
//          -> https://docs.anthropic.com/en/api/messages
//   response and stream: Anthropic's message / event stream -> chat.completion / chat.completion.chunk
// OpenAI fields Anthropic has no counterpart for are dropped when they only tune sampling
// (penalties, seed, logit_bias, service_tier, store); ones that change the answer's shape
// (n > 1, logprobs, json_object without a schema) are refused, so a client never gets less than it asked for.
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { OutputKind, jsonModeNeedsSchema, readResponseFormat } from "./structured-output";
import { ClientError, TranslateFacts, TranslatedRequest, parseAnswer } from "./translator";
import { WireApi } from "../api";
import { ToOpenAIChat } from "./to-openai-chat";
import { SseEvent } from "../stream/sse";
import { DataUrl, arrayAt, has, integerAt, member, numberAt, objectAt, stringAt } from "../json/members";
import { readUsage, readUsageAt } from "../usage/read";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { CALL, PART, TOOL, includesUsage, readPart, readToolCall, streams, tokenLimitOf, writeFunctionTools } from "./chat-request";
import { MessageWriter, TurnWriter } from "./turns";
import { Reasoning, claudeThinking, isSigned, readAnthropicThought, readChatReasoning, readThought, thinkingFits, writeAnthropicThought, writeClaudeThinking, writeThought, portableCallId } from "./reasoning";
import { isString, keys, scanInner, spanInteger, spanIsString } from "../json/spans";
import { MAX_SPAN_ITEMS, arrayItemsAtMost } from "../json/items";
import { ScanResult, arrayItemSpans, decodeStringValue, scanInto, scanTopLevel } from "../json/scan";
import { CacheMarks, writeCacheControl } from "./cache-marks";
import { MAX_CITATIONS, readHubSearch, writeAnthropicSearchTool, writeChatCitation } from "./web-search";
import { FROM_ANTHROPIC } from "./finish-reasons";

const MESSAGE_KEYS = keys(["id", "model", "content", "stop_reason", "usage"]);
const BLOCK_KEYS = keys(["type", "text", "id", "name", "input", "citations"]);
const DELTA_EVENT_KEYS = keys(["index", "delta"]);
const DELTA_KEYS = keys(["type", "text", "partial_json"]);
// Reused for every event (the VM is single-threaded; scans never nest).
const EVENT_SCAN = new ScanResult(2);
const DELTA_SCAN = new ScanResult(3);
/** This request's cache_control marks (the hub's, cache-marks.ts): set in request(), read by the writers below (one request at a time per VM). */
let marks = new CacheMarks();

/** Thrown-free refusal: the first problem found in a request, with the field it is in. */
class Problem {
  message: string | null = null;
  set(message: string): void { if (this.message === null) this.message = message; }
}

/** The messages as Anthropic turns and system blocks (the writers below); the first problem stops them. */
class AnthropicMessages extends MessageWriter {
  constructor(private problem: Problem) { super("content"); }
  system(m: JsonValue, path: string): string | null { this.systemCount += writeSystem(m, path, this.systemBlocks, this.problem); return this.problem.message; }
  user(m: JsonValue, path: string): string | null { writeUser(m, path, this.turns, this.problem); return this.problem.message; }
  assistant(m: JsonValue, path: string): string | null { writeAssistant(m, path, this.turns, this.problem); return this.problem.message; }
  tool(m: JsonValue, path: string): string | null { writeToolResult(m, path, this.turns, this.problem); return this.problem.message; }
}

export class OpenAIToAnthropic extends ToOpenAIChat {
  // Stream state.
  /** OpenAI tool_calls index of each Anthropic content block (-1: not a tool_use block). */
  private toolIndexOfBlock: Array<i32> = [];
  private toolCount: i32 = 0;
  /** The request asked for a web search: text is counted (UTF-16 units) so citations get their span. */
  private countText: bool = false;
  private textChars: i64 = 0;
  /** The open text block's first character, and the citations it has had so far (sent when it stops). */
  private blockStart: i64 = 0;
  private cited: Array<JsonValue> = [];
  private citationsSent: i32 = 0;

  constructor() { super(WireApi.Anthropic); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    this.takeFacts(facts);
    marks = CacheMarks.of(body);
    const problem = new Problem();
    const w = new JsonWriter(1024);
    w.object().key("model").string(facts.model);

    const conversation = new AnthropicMessages(problem);
    const messagesProblem = conversation.write(body, "an Anthropic backend", " (use system, developer, user, assistant or tool)");
    if (messagesProblem !== null) return TranslatedRequest.refused(messagesProblem!);
    if (conversation.systemCount > 0) w.key("system").rawBytes(conversation.systemBlocks.toBuffer());
    w.key("messages").rawBytes(conversation.turnBytes);

    const limit = tokenLimitOf(body);
    if (limit !== null && (!limit.isInteger() || limit.numberValue < 1)) return TranslatedRequest.refused("max_tokens: must be a positive integer");
    const reasoning = new Reasoning();
    const reasoningProblem = readChatReasoning(body, reasoning);
    if (reasoningProblem !== null) return TranslatedRequest.refused(reasoningProblem!);
    // Thinking shares max_tokens with the answer (reasoning.ts): without a limit, the answer keeps the default beside the budget.
    const thinking = thinkingFits(conversation.messages) ? claudeThinking(reasoning, facts.model, limit !== null ? <i64>limit.numberValue : 0) : claudeThinking(new Reasoning(), "", 0);
    if (limit !== null) w.key("max_tokens").rawValue(limit.text);
    else w.key("max_tokens").number(<i64>facts.defaultMaxTokens + thinking.budget);
    writeClaudeThinking(thinking, w);

    // Thinking refuses temperature and takes top_p only from 0.95 (adaptive-only models: not at all): those are dropped then (reasoning.ts).
    const temperature = numberAt(body, "temperature");
    if (temperature !== null && !thinking.on) w.key("temperature").rawValue(temperature.text);
    const topP = numberAt(body, "top_p");
    if (topP !== null && (!thinking.on || (!thinking.adaptive && topP.numberValue >= 0.95))) w.key("top_p").rawValue(topP.text);
    // Not OpenAI's, but what a Gemini client's topK is in the hub (gemini-to-openai.ts) and some compatible servers take;
    // thinking refuses it (reasoning.ts).
    const topK = numberAt(body, "top_k");
    if (topK !== null && !thinking.on) w.key("top_k").rawValue(topK.text);
    const stop = member(body, "stop");
    if (stop !== null && stop.kind == JsonKind.String) w.key("stop_sequences").array().string(stop.text).endArray();
    else if (stop !== null && stop.kind == JsonKind.Array) w.key("stop_sequences").value(stop);

    const streaming = streams(body);
    if (streaming) {
      w.key("stream").boolean(true);
      this.includeUsage = includesUsage(body);
    }

    const n = numberAt(body, "n");
    if (n !== null && n.numberValue != 1) return TranslatedRequest.refused("n: an Anthropic backend returns one choice; n must be 1");
    const logprobs = member(body, "logprobs");
    if ((logprobs !== null && logprobs.kind == JsonKind.Bool && logprobs.boolValue) || has(body, "top_logprobs")) {
      return TranslatedRequest.refused("logprobs: an Anthropic backend does not return log probabilities");
    }

    const tools = arrayAt(body, "tools");
    // web_search_options is a search Anthropic runs itself: its web_search server tool.
    const search = readHubSearch(body);
    if (search.problem !== null) return TranslatedRequest.refused(search.problem!);
    this.countText = search.search !== null;
    if (search.search !== null && (tools === null || tools.items.length == 0)) {
      w.key("tools").array();
      writeAnthropicSearchTool(w, search.search!);
      w.endArray();
    }
    if (tools !== null && tools.items.length > 0) {
      w.key("tools").array();
      if (search.search !== null) writeAnthropicSearchTool(w, search.search!);
      const toolProblem = writeFunctionTools(tools, w, writeTool);
      if (toolProblem !== null) return TranslatedRequest.refused(toolProblem!);
      w.endArray();
      const choice = toolChoice(body, problem);
      if (problem.message !== null) return TranslatedRequest.refused(problem.message!);
      if (choice !== null) w.key("tool_choice").rawValue(choice!);
    }

    const format = readResponseFormat(body);
    if (format.error !== null) return TranslatedRequest.refused(format.error!);
    // Anthropic's structured outputs (GA): output_config.format; JSON mode needs a schema there.
    if (format.kind == OutputKind.JsonObject) return TranslatedRequest.refused(jsonModeNeedsSchema("an Anthropic backend"));
    // One output_config: the format, and the effort adaptive thinking takes.
    if (format.kind == OutputKind.JsonSchema || thinking.adaptive) {
      w.key("output_config").object();
      if (format.kind == OutputKind.JsonSchema) w.key("format").object().key("type").string("json_schema").key("schema").value(format.schema!).endObject();
      if (thinking.adaptive) w.key("effort").string(thinking.effort);
      w.endObject();
    }
    const user = stringAt(body, "user");
    if (user !== null) w.key("metadata").object().key("user_id").string(user!).endObject();
    w.endObject();
    return TranslatedRequest.of(w, streaming);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const fast = this.responseFromSpans(body);
    if (fast !== null) return fast;
    // Anything the span reader does not expect is read as a tree (and refused if it is not a message).
    const m = parseAnswer(body);
    if (m === null) return null;
    const content = arrayAt(m, "content");
    if (content === null) return null;
    const w = new JsonWriter(body.byteLength + 256);
    const id = stringAt(m, "id");
    const model = stringAt(m, "model");
    if (model !== null) this.usage.responseModel = model!;
    w.object().key("id").string(id !== null ? id! : "").key("object").string("chat.completion").key("created").number(this.created);
    w.key("model").string(model !== null ? model! : this.model);
    this.messageOpen(w);
    // Parts joined once at the end: += per block would copy the text so far each time (quadratic).
    const text = new Array<string>();
    let texts = 0;
    let tools = 0;
    for (let i = 0; i < content.items.length; i++) {
      const block = content.items[i];
      const type = stringAt(block, "type");
      if (type !== null && type! == "text") { const t = stringAt(block, "text"); if (t !== null) { text.push(t!); texts++; } }
      else if (type !== null && type! == "tool_use") tools++;
    }
    // A refusal (stop_reason "refusal") is OpenAI's message.refusal, content null, as OpenAI answers one.
    const thought = readAnthropicThought(content);
    const treeStop = stringAt(m, "stop_reason");
    if (tools == 0 && treeStop !== null && treeStop! == "refusal") w.key("content").nil().key("refusal").string(text.join(""));
    else {
      w.key("content");
      if (texts > 0 || tools == 0) w.string(text.join("")); else w.nil();
      w.key("refusal").nil();
    }
    writeThought(w, thought);
    writeAnnotations(w, content);
    if (tools > 0) {
      w.key("tool_calls").array();
      for (let i = 0; i < content.items.length; i++) {
        const block = content.items[i];
        const type = stringAt(block, "type");
        if (type === null || type! != "tool_use") continue;
        const toolId = stringAt(block, "id");
        const name = stringAt(block, "name");
        const input = member(block, "input");
        w.object().key("id").string(toolId !== null ? toolId! : "").key("type").string("function");
        w.key("function").object().key("name").string(name !== null ? name! : "").key("arguments").string(input !== null ? input.toJson() : "{}").endObject();
        w.endObject();
      }
      w.endArray();
    }
    const usage = objectAt(m, "usage");
    if (usage !== null) this.readUsage(usage!);
    return this.answerClose(w, FROM_ANTHROPIC.of(stringAt(m, "stop_reason")), usage !== null);
  }

  /**
   * The usual answer read from byte spans: strings (ids, text) copied as the JSON they are, a
   * tool's input written as the arguments string from its own bytes. Null when the answer has
   * anything the spans cannot say for sure (then it is parsed whole).
   */
  private responseFromSpans(body: ArrayBuffer): ArrayBuffer | null {
    const base = changetype<usize>(body);
    const top = scanTopLevel(base, body.byteLength, MESSAGE_KEYS);
    if (top.error !== null) return null;
    const content = top.spans[2];
    if (content.count != 1 || content.firstByte != 0x5b) return null;
    if (!arrayItemsAtMost(base, content.start, content.end, MAX_SPAN_ITEMS)) return null;
    const items = arrayItemSpans(base, content.start, content.end);
    if (items === null) return null;
    const blocks = new Array<ScanResult>(items.length);
    let texts = 0;
    let tools = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.firstByte != 0x7b) return null;
      const b = scanTopLevel(base + <usize>item.start, item.end - item.start, BLOCK_KEYS);
      if (b.error !== null || !isString(b.spans[0])) return null;
      blocks[i] = b;
      const at = base + <usize>item.start;
      // Cited text (a web search's answer) is read as a tree, for its annotations.
      if (spanIsString(at, b.spans[0], "text")) { if (!isString(b.spans[1]) || (b.spans[5].count > 0 && b.spans[5].firstByte != 0x6e)) return null; texts++; }
      else if (spanIsString(at, b.spans[0], "thinking") || spanIsString(at, b.spans[0], "redacted_thinking")) return null;
      else if (spanIsString(at, b.spans[0], "tool_use")) {
        if (!isString(b.spans[2]) || !isString(b.spans[3]) || b.spans[4].count != 1 || b.spans[4].firstByte != 0x7b) return null;
        tools++;
      }
    }
    const w = new JsonWriter(body.byteLength + 256);
    const id = top.spans[0];
    const model = top.spans[1];
    if (isString(model)) this.usage.responseModel = decodeStringValue(base, model.start, model.end, model.escaped);
    w.object().key("id");
    if (isString(id)) w.rawAt(base + <usize>id.start, id.end - id.start); else w.string("");
    w.key("object").string("chat.completion").key("created").number(this.created).key("model");
    if (isString(model)) w.rawAt(base + <usize>model.start, model.end - model.start); else w.string(this.model);
    this.messageOpen(w);
    const stop = top.spans[3];
    const stopReason = isString(stop) ? decodeStringValue(base, stop.start, stop.end, stop.escaped) : null;
    // A refusal is OpenAI's message.refusal with content null (the tree reader above does the same).
    const refused = tools == 0 && stopReason !== null && stopReason! == "refusal";
    w.key(refused ? "refusal" : "content");
    if (texts == 0 && tools > 0) w.nil();
    else {
      // Several text blocks are one string: their escaped contents side by side.
      w.rawValue("\"");
      for (let i = 0; i < items.length; i++) {
        const at = base + <usize>items[i].start;
        const t = blocks[i].spans[1];
        if (spanIsString(at, blocks[i].spans[0], "text")) w.bytes(at + <usize>t.start + 1, t.end - t.start - 2);
      }
      w.byte(0x22);
    }
    w.key(refused ? "content" : "refusal").nil();
    if (tools > 0) {
      w.key("tool_calls").array();
      for (let i = 0; i < items.length; i++) {
        const at = base + <usize>items[i].start;
        const b = blocks[i];
        if (!spanIsString(at, b.spans[0], "tool_use")) continue;
        const toolId = b.spans[2];
        const name = b.spans[3];
        const input = b.spans[4];
        w.object().key("id").rawAt(at + <usize>toolId.start, toolId.end - toolId.start).key("type").string("function");
        w.key("function").object().key("name").rawAt(at + <usize>name.start, name.end - name.start);
        w.key("arguments").quotedBytes(at + <usize>input.start, input.end - input.start).endObject();
        w.endObject();
      }
      w.endArray();
    }
    const usage = top.spans[4];
    const reported = usage.count == 1 && usage.firstByte == 0x7b;
    if (reported) readUsageAt(WireApi.Anthropic, base + <usize>usage.start, usage.end - usage.start, this.usage);
    return this.answerClose(w, FROM_ANTHROPIC.of(stopReason), reported);
  }

  event(event: SseEvent, out: JsonWriter): void {
    if (this.finished) return;
    const type = event.name;
    if (type == "ping" || event.length == 0) return;
    if (type == "content_block_delta" && this.delta(event, out)) return;
    const parsed = parseJson(event.text(), MAX_ANSWER_VALUES);
    if (parsed.value === null) { this.fail(out, "the provider sent a stream event that is not JSON"); return; }
    const data = parsed.value!;
    if (type == "message_start") {
      const message = objectAt(data, "message");
      if (message !== null) {
        const id = stringAt(message, "id");
        const model = stringAt(message, "model");
        if (id !== null) this.id = id!;
        if (model !== null) { this.model = model!; this.usage.responseModel = model!; }
        this.resetPrefix();
        const usage = objectAt(message, "usage");
        if (usage !== null) this.readUsage(usage);
      }
      this.roleChunk(out);
    } else if (type == "content_block_start") {
      const index = <i32>integerAt(data, "index", -1);
      const block = objectAt(data, "content_block");
      if (index < 0 || index > 4096 || block === null) return;
      while (this.toolIndexOfBlock.length <= index) this.toolIndexOfBlock.push(-1);
      const blockType = stringAt(block, "type");
      if (blockType !== null && blockType! == "tool_use") {
        const toolIndex = this.toolCount++;
        this.toolIndexOfBlock[index] = toolIndex;
        const id = stringAt(block, "id");
        const name = stringAt(block, "name");
        this.toolStart(out, toolIndex, id !== null ? id! : "", name !== null ? name! : "");
      } else if (blockType !== null && blockType! == "text") {
        this.blockStart = this.textChars;
        const text = stringAt(block, "text");
        if (text !== null && text!.length > 0) { this.textChars += text!.length; this.textChunk(out, text!); }
      } else if (blockType !== null && blockType! == "thinking") {
        // Anthropic starts a thinking block empty; any text in it is the thought's first piece.
        const thinking = stringAt(block, "thinking");
        if (thinking !== null && thinking!.length > 0) this.reasoningChunk(out, "reasoning_content", thinking!);
      } else if (blockType !== null && blockType! == "redacted_thinking") {
        const data = stringAt(block, "data");
        if (data !== null) this.reasoningChunk(out, "reasoning_redacted", data!);
      }
    } else if (type == "content_block_delta") {
      const index = <i32>integerAt(data, "index", -1);
      const delta = objectAt(data, "delta");
      if (delta === null) return;
      const deltaType = stringAt(delta, "type");
      if (deltaType === null) return;
      if (deltaType! == "text_delta") {
        const text = stringAt(delta, "text");
        if (text !== null && text!.length > 0) { this.textChars += text!.length; this.textChunk(out, text!); }
      } else if (deltaType! == "input_json_delta") {
        const partial = stringAt(delta, "partial_json");
        if (partial === null || partial!.length == 0 || index < 0 || index >= this.toolIndexOfBlock.length) return;
        const toolIndex = this.toolIndexOfBlock[index];
        if (toolIndex < 0) return;
        this.toolArgsSent(toolIndex);
        this.chunkOpen(out);
        out.key("tool_calls").array().object().key("index").number(toolIndex).key("function").object().key("arguments").string(partial!).endObject().endObject().endArray();
        this.chunkClose(out, null);
      }
      else if (deltaType! == "thinking_delta") {
        const thinking = stringAt(delta, "thinking");
        if (thinking !== null && thinking!.length > 0) this.reasoningChunk(out, "reasoning_content", thinking!);
      } else if (deltaType! == "signature_delta") {
        const signature = stringAt(delta, "signature");
        if (signature !== null && signature!.length > 0) this.reasoningChunk(out, "reasoning_signature", signature!);
      }
      else if (deltaType! == "citations_delta") {
        // A web search citation: sent as an annotation once its block's text is whole (content_block_stop).
        const citation = objectAt(delta, "citation");
        if (citation !== null && this.cited.length + this.citationsSent < MAX_CITATIONS) this.cited.push(citation!);
      }
    } else if (type == "content_block_stop") {
      if (this.cited.length > 0) this.sendCitations(out);
    } else if (type == "message_delta") {
      const usage = objectAt(data, "usage");
      if (usage !== null) this.readUsage(usage);
      const delta = objectAt(data, "delta");
      const stopReason = delta !== null ? stringAt(delta, "stop_reason") : null;
      this.closeToolsWithoutArgs(out);
      this.chunkOpen(out);
      this.chunkClose(out, FROM_ANTHROPIC.of(stopReason));
    } else if (type == "message_stop") {
      this.done(out);
    } else if (type == "error") {
      const error = objectAt(data, "error");
      const message = error !== null ? stringAt(error, "message") : null;
      const errorType = error !== null ? stringAt(error, "type") : null;
      this.writeError(out, message !== null ? message! : "the provider reported an error mid-stream", errorType !== null ? errorType! : "server_error");
    }
    // Other event types are ignored, as Anthropic asks of clients (new ones may be added).
  }

  /**
   * Most of a stream: a text or tool-argument delta, translated from byte spans, its string copied
   * as the JSON text it already is. False when the event is anything else (parsed whole then).
   */
  private delta(event: SseEvent, out: JsonWriter): bool {
    const base = event.ptr;
    const top = scanInto(EVENT_SCAN, base, event.length, DELTA_EVENT_KEYS);
    if (top.error !== null) return false;
    const deltaSpan = top.spans[1];
    if (!scanInner(DELTA_SCAN, base, deltaSpan, DELTA_KEYS)) return false;
    const inner = DELTA_SCAN;
    const at = base + <usize>deltaSpan.start;
    const type = inner.spans[0];
    if (spanIsString(at, type, "text_delta")) {
      const text = inner.spans[1];
      if (text.count != 1 || text.firstByte != 0x22) return false;
      if (text.end - text.start == 2) return true;
      if (this.countText) this.textChars += jsonStringUtf16Length(at + <usize>text.start + 1, text.end - text.start - 2);
      this.textFromSpan(out, at + <usize>text.start, text.end - text.start);
      return true;
    }
    if (spanIsString(at, type, "input_json_delta")) {
      const partial = inner.spans[2];
      const index = spanInteger(base, top.spans[0]);
      if (partial.count != 1 || partial.firstByte != 0x22 || index < 0) return false;
      if (partial.end - partial.start == 2 || index >= this.toolIndexOfBlock.length || this.toolIndexOfBlock[index] < 0) return true;
      this.toolArgsSent(this.toolIndexOfBlock[index]);
      this.chunkOpen(out);
      out.key("tool_calls").array().object().key("index").number(this.toolIndexOfBlock[index]).key("function").object().key("arguments");
      out.rawAt(at + <usize>partial.start, partial.end - partial.start).endObject().endObject().endArray();
      this.chunkClose(out, null);
      return true;
    }
    return false;
  }

  endStream(out: JsonWriter): void {
    if (!this.finished) this.fail(out, "the provider's stream ended before the message was complete");
  }

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    // OpenAI clients know 503 for an overloaded service; Anthropic's 529 is its own.
    const shown = status == 529 ? 503 : status;
    if (info === null) return new ClientError(shown, errorBodyFor(WireApi.OpenAI, shown, "", "provider_error", fallback));
    return new ClientError(shown, errorBodyFor(WireApi.OpenAI, shown, info.type, null, info.message));
  }

  private readUsage(usage: JsonValue): void { readUsage(WireApi.Anthropic, usage, this.usage); }

  /** The open block's citations as one chunk of delta.annotations, each covering the block's text. */
  private sendCitations(out: JsonWriter): void {
    this.chunkOpen(out);
    out.key("annotations").array();
    for (let i = 0; i < this.cited.length; i++) {
      const c = this.cited[i];
      const url = stringAt(c, "url");
      if (url !== null) writeChatCitation(out, url!, stringAt(c, "title"), <i32>this.blockStart, <i32>this.textChars);
    }
    out.endArray();
    this.chunkClose(out, null);
    this.citationsSent += this.cited.length;
    this.cited = [];
  }

  /** A delta of the hub's reasoning fields (reasoning.ts), as DeepSeek-style chat clients read reasoning_content. */
  private reasoningChunk(out: JsonWriter, field: string, text: string): void {
    this.chunkOpen(out);
    out.key(field).string(text);
    this.chunkClose(out, null);
  }

}

/** UTF-16 units of a JSON string's escaped content (no quotes): a \uXXXX escape is one, as is any other escape; UTF-8 by its lead bytes, four-byte ones two. */
function jsonStringUtf16Length(p: usize, n: i32): i64 {
  let count: i64 = 0;
  let i = 0;
  while (i < n) {
    const b = load<u8>(p + <usize>i);
    if (b == 0x5c) { i += i + 1 < n && load<u8>(p + <usize>i + 1) == 0x75 ? 6 : 2; count++; continue; }
    if ((b & 0xc0) != 0x80) count += b >= 0xf0 ? 2 : 1;
    i++;
  }
  return count;
}

/**
 * Text blocks' web search citations as chat's message.annotations: each covers its block's span of
 * the joined content (UTF-16 indexes, as JavaScript clients count). Server tool blocks
 * (server_tool_use, web_search_tool_result) are the search itself, not calls: they are not passed on.
 */
function writeAnnotations(w: JsonWriter, content: JsonValue): void {
  let at = 0;
  let written = 0;
  for (let i = 0; i < content.items.length; i++) {
    const block = content.items[i];
    const type = stringAt(block, "type");
    const text = stringAt(block, "text");
    if (type === null || type! != "text" || text === null) continue;
    const citations = arrayAt(block, "citations");
    if (citations !== null) {
      for (let j = 0; j < citations.items.length && written < MAX_CITATIONS; j++) {
        const url = stringAt(citations.items[j], "url");
        if (url === null) continue;
        if (written++ == 0) w.key("annotations").array();
        writeChatCitation(w, url!, stringAt(citations.items[j], "title"), at, at + text!.length);
      }
    }
    at += text!.length;
  }
  if (written > 0) w.endArray();
}

/** OpenAI tool_choice and parallel_tool_calls as Anthropic's tool_choice, or null for the default. */
function toolChoice(body: JsonValue, problem: Problem): string | null {
  const choice = member(body, "tool_choice");
  const parallel = member(body, "parallel_tool_calls");
  const noParallel = parallel !== null && parallel.kind == JsonKind.Bool && !parallel.boolValue;
  let type = "auto";
  let name: string | null = null;
  if (choice !== null && choice.kind == JsonKind.String) {
    if (choice.text == "none") type = "none";
    else if (choice.text == "required") type = "any";
    else if (choice.text != "auto") { problem.set("tool_choice: must be none, auto, required or a function"); return null; }
  } else if (choice !== null && choice.kind == JsonKind.Object) {
    const fn = objectAt(choice, "function");
    name = fn !== null ? stringAt(fn, "name") : null;
    if (name === null) { problem.set("tool_choice.function.name: is required"); return null; }
    type = "tool";
  } else if (!noParallel) return null;
  const w = new JsonWriter(64);
  w.object().key("type").string(type);
  if (name !== null) w.key("name").string(name!);
  if (noParallel && type != "none") w.key("disable_parallel_tool_use").boolean(true);
  w.endObject();
  return String.UTF8.decode(w.toBuffer());
}

function writeSystem(m: JsonValue, path: string, system: JsonWriter, problem: Problem): i32 {
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String) {
    if (content.text.length == 0) return 0;
    system.object().key("type").string("text").key("text").string(content.text).endObject();
    return 1;
  }
  if (content === null || content.kind != JsonKind.Array) { problem.set(path + ".content: must be a string or an array of text parts"); return 0; }
  let written = 0;
  for (let i = 0; i < content.items.length; i++) {
    const text = stringAt(content.items[i], "text");
    if (text === null) { problem.set(path + ".content[" + i.toString() + "]: a system message holds text parts only"); return written; }
    const mark = marks.onSystem(content.items[i]);
    if (text!.length == 0) continue;
    system.object().key("type").string("text").key("text").string(text!);
    markAs(mark, system);
    system.endObject();
    written++;
  }
  return written;
}

/** Writes one OpenAI content part (text or image_url) as an Anthropic block; anything else is a problem. */
function writePart(part: JsonValue, out: JsonWriter, path: string, problem: Problem, mark: string | null = null): void {
  const partProblem = readPart(part, path, "an Anthropic backend", true);
  if (partProblem !== null) { problem.set(partProblem!); return; }
  if (PART.isText) {
    out.object().key("type").string("text").key("text").string(PART.text);
    markAs(mark, out);
    out.endObject();
  } else {
    const url = PART.url;
    if (url === null) { problem.set(path + ".image_url.url: is required"); return; }
    out.object().key("type").string("image").key("source").object();
    const data = DataUrl.parse(url!);
    if (data !== null) out.key("type").string("base64").key("media_type").string(data.mediaType).key("data").string(data.data);
    else if (url!.startsWith("data:")) { problem.set(path + ".image_url.url: a data URL must be base64 (data:image/png;base64,…)"); return; }
    else out.key("type").string("url").key("url").string(url!);
    out.endObject();
    markAs(mark, out);
    out.endObject();
  }
}

function writeUser(m: JsonValue, path: string, turns: TurnWriter, problem: Problem): void {
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String) {
    if (content.text.length == 0) return;
    turns.block("user").object().key("type").string("text").key("text").string(content.text).endObject();
    return;
  }
  if (content === null || content.kind != JsonKind.Array) { problem.set(path + ".content: must be a string or an array of parts"); return; }
  for (let i = 0; i < content.items.length && problem.message === null; i++) {
    const part = content.items[i];
    const text = stringAt(part, "text");
    const mark = marks.onMessage(part);
    if (text !== null && text!.length == 0) continue; // Anthropic refuses empty text blocks.
    writePart(part, turns.block("user"), path + ".content[" + i.toString() + "]", problem, mark);
  }
}

function writeAssistant(m: JsonValue, path: string, turns: TurnWriter, problem: Problem): void {
  // Earlier thinking goes back first in its turn, unchanged: Anthropic checks its signature (none, none sent).
  const thought = readThought(m);
  if (!isSigned(thought)) { thought.text = null; thought.signature = null; }
  if (thought.present) writeAnthropicThought(turns.block("assistant"), thought);
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String) {
    if (content.text.length > 0) turns.block("assistant").object().key("type").string("text").key("text").string(content.text).endObject();
  } else if (content !== null && content.kind == JsonKind.Array) {
    for (let i = 0; i < content.items.length; i++) {
      const part = content.items[i];
      // A refusal part is what the assistant said; Anthropic keeps it as text.
      let text = stringAt(part, "text");
      if (text === null) text = stringAt(part, "refusal");
      if (text === null) { problem.set(path + ".content[" + i.toString() + "]: an assistant message holds text parts only"); return; }
      const mark = marks.onMessage(part);
      if (text!.length > 0) { const out = turns.block("assistant"); out.object().key("type").string("text").key("text").string(text!); markAs(mark, out); out.endObject(); }
    }
  } else if (content !== null && content.kind != JsonKind.Null) { problem.set(path + ".content: must be a string, an array of text parts or null"); return; }
  const calls = arrayAt(m, "tool_calls");
  if (calls === null) return;
  for (let i = 0; i < calls.items.length; i++) {
    const call = calls.items[i];
    const callPath = path + ".tool_calls[" + i.toString() + "]";
    const callProblem = readToolCall(call, callPath, "Anthropic's tool input");
    if (callProblem !== null) { problem.set(callProblem!); return; }
    const out = turns.block("assistant");
    out.object().key("type").string("tool_use").key("id").string(portableCallId(CALL.id)).key("name").string(CALL.name).key("input");
    if (CALL.args !== null) out.value(CALL.args!); else out.rawValue("{}");
    markAs(marks.onMessage(call), out);
    out.endObject();
  }
}

function writeToolResult(m: JsonValue, path: string, turns: TurnWriter, problem: Problem): void {
  const id = stringAt(m, "tool_call_id");
  if (id === null) { problem.set(path + ".tool_call_id: is required"); return; }
  const content = member(m, "content");
  const out = turns.block("user");
  out.object().key("type").string("tool_result").key("tool_use_id").string(portableCallId(id!));
  if (content !== null && content.kind == JsonKind.String) out.key("content").string(content.text);
  else if (content !== null && content.kind == JsonKind.Array) {
    out.key("content").array();
    for (let i = 0; i < content.items.length && problem.message === null; i++) writePart(content.items[i], out, path + ".content[" + i.toString() + "]", problem);
    out.endArray();
  } else { problem.set(path + ".content: must be a string or an array of parts"); }
  markAs(marks.onToolResult(m), out);
  out.endObject();
}

/** A function tool (TOOL) as an Anthropic tool, with its cache mark. */
function writeTool(tool: JsonValue, w: JsonWriter): void {
  TOOL.writeHead(w);
  w.key("input_schema");
  TOOL.writeSchema(w);
  markAs(marks.onTool(tool), w);
  w.endObject();
}

/** A kept mark as the block's cache_control. */
function markAs(mark: string | null, out: JsonWriter): void {
  if (mark !== null) writeCacheControl(out, mark!);
}

// An Anthropic Messages client, an OpenAI Chat Completions backend (OpenAI and every
// OpenAI-compatible vendor).
//   request:  https://docs.anthropic.com/en/api/messages
//          -> https://platform.openai.com/docs/api-reference/chat/create
//   response and stream: chat.completion / chat.completion.chunk -> Anthropic's message / events
//     (https://docs.anthropic.com/en/docs/build-with-claude/streaming)
// Thinking is reasoning_effort (and the hub's reasoning fields: reasoning.ts); citations have no
// OpenAI counterpart and are dropped; server tools and documents, which the backend cannot run or
// read, are refused. cache_control marks are dropped toward an OpenAI backend (which refuses them;
// prompt_cache_key instead) and kept on the chat hub when this translator feeds another (cache-marks.ts).
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { WebSearch, isAnthropicWebSearch, readAnthropicSearch, takesWebSearchOptions, writeWebSearchOptions } from "./web-search";
import { ClientError, TranslateFacts, TranslatedRequest, Translator, parseAnswer } from "./translator";
import { WireApi } from "../api";
import { chunkError, firstChoice } from "./chat-answer";
import { SseEvent, beginEvent, endEvent } from "../stream/sse";
import { arrayAt, integerAt, joinedTexts, member, numberAt, objectAt, stringAt } from "../json/members";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { redactSecrets } from "../safety/redact-text";
import { ValueSpan } from "../json/scan";
import { isString, keys, scanInner, scanOnlyElement, spanIsNull } from "../json/spans";
import { MAX_SPAN_ITEMS, arrayItemsAtMost } from "../json/items";
import { readUsage } from "../usage/read";
import { meetsOpenAIStrict } from "./strict-schema";
import { Reasoning, Thought, clientCallId, readAnthropicThinking, readAnthropicThought, readThought, writeAnthropicThought, writeChatReasoning, writeThought, portableCallId } from "./reasoning";
import { ScanResult, arrayItemSpans, decodeStringValue, scanInto, scanTopLevel, unescapeInto } from "../json/scan";
import { cacheMarkOf, promptCacheKeyOf, writeCacheControl } from "./cache-marks";
import { anyMarked, hasMarks, lastTextMark, resultMark, writeMarkedSystem } from "./anthropic-marks";
import { TO_ANTHROPIC } from "./finish-reasons";

const COMPLETION_KEYS = keys(["id", "model", "choices", "usage"]);
const ANSWER_CHOICE_KEYS = keys(["message", "finish_reason"]);
const ANSWER_MESSAGE_KEYS = keys(["content", "refusal", "tool_calls", "reasoning_content", "reasoning_redacted"]);
const CALL_KEYS = keys(["id", "function", "extra_content"]);
const FUNCTION_KEYS = keys(["name", "arguments"]);
const NO_KEYS = new StaticArray<ArrayBuffer>(0);
const CHUNK_KEYS = keys(["choices", "usage", "error"]);
const CHOICE_KEYS = keys(["delta", "finish_reason"]);
const CHUNK_DELTA_KEYS = keys(["content", "tool_calls", "refusal", "reasoning_content", "reasoning_signature"]);
const TEXT_EVENT_SUFFIX = String.UTF8.encode("}}\n\n");
// Reused for every chunk (the VM is single-threaded; scans never nest).
const CHUNK_SCAN = new ScanResult(3);
const CHOICE_SCAN = new ScanResult(2);
const CHUNK_DELTA_SCAN = new ScanResult(5);
/**
 * This request's cache_control marks go on in the hub's form (the translator feeds another, see
 * cache-marks.ts). Set at the start of request(), read by the writers below: requests are
 * translated one at a time per VM.
 */
let keepMarks = false;

enum OpenBlock { None, Text, Tool, Thinking }

export class AnthropicToOpenAI extends Translator {
  private model: string = "";
  // Stream state.
  private started: bool = false;
  private finished: bool = false;
  private nextBlock: i32 = 0;
  private open: OpenBlock = OpenBlock.None;
  /** The OpenAI tool_calls index of the open tool_use block. */
  private openTool: i32 = -1;
  private finishReason: string | null = null;
  private secrets: string[] = [];
  /** The bytes before a text delta's string in the open text block. */
  private textPrefix: ArrayBuffer | null = null;

  constructor() { super(WireApi.Anthropic, WireApi.OpenAI); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    // A chat body that feeds another translator (facts.hub) keeps its cache marks for it.
    keepMarks = facts.hub;
    this.model = facts.model;
    this.secrets = facts.secrets;
    const w = new JsonWriter(1024);
    w.object().key("model").string(facts.model);
    const messages = arrayAt(body, "messages");
    if (messages === null) return TranslatedRequest.refused("messages: Field required");
    w.key("messages").array();
    const system = member(body, "system");
    if (system !== null && system.kind == JsonKind.String && system.text.length > 0) {
      w.object().key("role").string("system").key("content").string(system.text).endObject();
    } else if (system !== null && system.kind == JsonKind.Array && keepMarks && anyMarked(system)) {
      if (!writeMarkedSystem(system, w)) return TranslatedRequest.refused("system: must hold text blocks only");
    } else if (system !== null && system.kind == JsonKind.Array) {
      const text = joinedText(system);
      if (text === null) return TranslatedRequest.refused("system: must hold text blocks only");
      if (text!.length > 0) w.object().key("role").string("system").key("content").string(text!).endObject();
    }
    // A system message marked clear_at "next_user_message" is no longer shown once a user turn follows it.
    let lastUser = -1;
    for (let i = 0; i < messages.items.length; i++) {
      const role = stringAt(messages.items[i], "role");
      if (role !== null && role! == "user") lastUser = i;
    }
    for (let i = 0; i < messages.items.length; i++) {
      const m = messages.items[i];
      const path = "messages." + i.toString();
      const role = stringAt(m, "role");
      const problem = role === null ? path + ".role: must be user, assistant or system"
        : role! == "assistant" ? writeAssistant(m, path, w, facts.hub)
        : role! == "user" ? writeUser(m, path, w)
        : role! == "system" ? writeSystemMessage(m, path, i < lastUser, w)
        : path + ".role: must be user, assistant or system";
      if (problem !== null) return TranslatedRequest.refused(problem!);
    }
    w.endArray();

    const maxTokens = numberAt(body, "max_tokens");
    if (maxTokens !== null) w.key(facts.maxTokensField).rawValue(maxTokens.text);
    const reasoning = new Reasoning();
    const thinkingProblem = readAnthropicThinking(body, reasoning);
    if (thinkingProblem !== null) return TranslatedRequest.refused(thinkingProblem!);
    writeChatReasoning(reasoning, w, facts.hub, facts.model);
    const temperature = numberAt(body, "temperature");
    if (temperature !== null) w.key("temperature").rawValue(temperature.text);
    const topP = numberAt(body, "top_p");
    if (topP !== null) w.key("top_p").rawValue(topP.text);
    const stops = arrayAt(body, "stop_sequences");
    if (stops !== null && stops.items.length > 0) w.key("stop").value(stops);
    const stream = member(body, "stream");
    const streaming = stream !== null && stream.kind == JsonKind.Bool && stream.boolValue;
    if (streaming) {
      // Anthropic streams report usage; OpenAI's do only when asked.
      w.key("stream").boolean(true).key("stream_options").object().key("include_usage").boolean(true).endObject();
    }
    const tools = arrayAt(body, "tools");
    // Web search is the backend's own where chat can ask for it (web-search.ts); elsewhere the route's hostedTools rule.
    const search = new WebSearch();
    let searches = 0;
    let functions = 0;
    if (tools !== null) {
      for (let i = 0; i < tools.items.length; i++) {
        const type = stringAt(tools.items[i], "type");
        if (type === null || !isAnthropicWebSearch(type!)) { functions++; continue; }
        const problem = readAnthropicSearch(tools.items[i], "tools." + i.toString(), search);
        if (problem !== null) return TranslatedRequest.refused(problem!);
        searches++;
      }
    }
    const dropped = new Array<string>();
    if (searches > 0 && (facts.hub || takesWebSearchOptions(facts.model))) writeWebSearchOptions(w, search, facts.hub);
    else if (searches > 0 && facts.refuseHostedTools) return TranslatedRequest.refused("tools: \"web_search\" is a server tool this route's backend has no equivalent for (the route's hostedTools is \"refuse\")");
    else if (searches > 0) dropped.push("web_search");
    if (tools !== null && functions > 0) {
      w.key("tools").array();
      for (let i = 0; i < tools.items.length; i++) {
        const t = tools.items[i];
        const type = stringAt(t, "type");
        if (type !== null && isAnthropicWebSearch(type!)) continue;
        const name = stringAt(t, "name");
        if (type !== null && type! != "custom") return TranslatedRequest.refused("tools." + i.toString() + ".type: \"" + type! + "\" is an Anthropic server tool; this route's backend cannot run it");
        if (name === null) return TranslatedRequest.refused("tools." + i.toString() + ".name: Field required");
        w.object().key("type").string("function").key("function").object().key("name").string(name!);
        const description = stringAt(t, "description");
        if (description !== null) w.key("description").string(description!);
        const schema = objectAt(t, "input_schema");
        if (schema !== null) w.key("parameters").value(schema!);
        w.endObject();
        const mark = keepMarks ? cacheMarkOf(t) : null;
        if (mark !== null) writeCacheControl(w, mark!);
        w.endObject();
      }
      w.endArray();
      const choice = objectAt(body, "tool_choice");
      if (choice !== null) {
        const type = stringAt(choice, "type");
        if (type !== null && type! == "any") w.key("tool_choice").string("required");
        else if (type !== null && type! == "none") w.key("tool_choice").string("none");
        else if (type !== null && type! == "tool") {
          const name = stringAt(choice, "name");
          if (name === null) return TranslatedRequest.refused("tool_choice.name: Field required");
          w.key("tool_choice").object().key("type").string("function").key("function").object().key("name").string(name!).endObject().endObject();
        } else w.key("tool_choice").string("auto");
        const noParallel = member(choice, "disable_parallel_tool_use");
        if (noParallel !== null && noParallel.kind == JsonKind.Bool && noParallel.boolValue) w.key("parallel_tool_calls").boolean(false);
      }
    }
    const outputConfig = objectAt(body, "output_config");
    // output_format: the beta (structured-outputs-2025-11-13) spelling the SDK's beta client still sends.
    const legacy = objectAt(body, "output_format");
    const format = outputConfig !== null ? objectAt(outputConfig, "format") : legacy;
    if (format !== null) {
      const schema = objectAt(format, "schema");
      if (schema === null) return TranslatedRequest.refused((format === legacy ? "output_format" : "output_config.format") + ".schema: Field required");
      w.key("response_format").object().key("type").string("json_schema").key("json_schema").object().key("name").string("output").key("schema").value(schema!)
        // Anthropic constrains decoding to any schema; OpenAI does only in strict mode, which refuses a schema
        // with optional properties or open objects, so those go best-effort (strict: false).
        .key("strict").boolean(meetsOpenAIStrict(schema!)).endObject().endObject();
    }
    const metadata = objectAt(body, "metadata");
    const user = metadata !== null ? stringAt(metadata, "user_id") : null;
    if (user !== null) w.key("user").string(user!);
    if (!facts.hub && facts.promptCacheKey && hasMarks(body)) {
      // The client asked for caching; OpenAI caches by prefix on its own, and a key keeps one agent's requests on one cache.
      const key = promptCacheKeyOf(facts.model, system === null ? "" : system.kind == JsonKind.String ? system.text : orEmpty(joinedText(system)));
      if (key !== null) w.key("prompt_cache_key").string(key!);
    }
    w.endObject();
    return TranslatedRequest.of(w, streaming, dropped);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const fast = this.responseFromSpans(body);
    if (fast !== null) return fast;
    // Anything the span reader does not expect is read as a tree (and refused if it is not a completion).
    const c = parseAnswer(body);
    if (c === null) return null;
    const choices = arrayAt(c, "choices");
    if (choices === null) return null;
    const choice = choices.items.length > 0 ? choices.items[0] : null;
    const message = choice !== null ? objectAt(choice, "message") : null;
    const w = new JsonWriter(body.byteLength + 256);
    const id = stringAt(c, "id");
    const model = stringAt(c, "model");
    if (model !== null) this.usage.responseModel = model!;
    w.object().key("id").string(id !== null ? id! : "").key("type").string("message").key("role").string("assistant");
    w.key("model").string(model !== null ? model! : this.model);
    w.key("content").array();
    let finish = choice !== null ? stringAt(choice, "finish_reason") : null;
    if (message !== null) {
      let text = stringAt(message, "content");
      const refusal = stringAt(message, "refusal");
      if ((text === null || text!.length == 0) && refusal !== null) { text = refusal; finish = "content_filter"; }
      writeAnthropicThought(w, readThought(message!));
      if (text !== null && text!.length > 0) w.object().key("type").string("text").key("text").string(text!).endObject();
      const calls = arrayAt(message, "tool_calls");
      if (calls !== null) {
        for (let i = 0; i < calls.items.length; i++) {
          const call = calls.items[i];
          const fn = objectAt(call, "function");
          if (fn === null) continue;
          const callId = stringAt(call, "id");
          const name = stringAt(fn, "name");
          const args = stringAt(fn, "arguments");
          w.object().key("type").string("tool_use").key("id").string(clientCallId(call, callId !== null ? callId! : "")).key("name").string(name !== null ? name! : "").key("input");
          writeToolInput(w, args);
          w.endObject();
        }
      }
    }
    w.endArray();
    w.key("stop_reason").string(TO_ANTHROPIC.of(finish)).key("stop_sequence").nil();
    const usage = objectAt(c, "usage");
    if (usage !== null) this.readUsage(usage);
    w.key("usage");
    this.writeUsage(w);
    w.endObject();
    return w.toBuffer();
  }

  /**
   * The usual completion read from byte spans: ids and text copied as the JSON strings they are,
   * each call's arguments unescaped once and checked to be an object. Null for anything else.
   */
  private responseFromSpans(body: ArrayBuffer): ArrayBuffer | null {
    const base = changetype<usize>(body);
    const top = scanTopLevel(base, body.byteLength, COMPLETION_KEYS);
    if (top.error !== null) return null;
    const choices = top.spans[2];
    if (choices.count != 1 || choices.firstByte != 0x5b) return null;
    if (!arrayItemsAtMost(base, choices.start, choices.end, MAX_SPAN_ITEMS)) return null;
    const items = arrayItemSpans(base, choices.start, choices.end);
    if (items === null || items.length == 0 || items[0].firstByte != 0x7b) return null;
    const choiceAt = base + <usize>items[0].start;
    const choice = scanTopLevel(choiceAt, items[0].end - items[0].start, ANSWER_CHOICE_KEYS);
    if (choice.error !== null || choice.spans[0].count != 1 || choice.spans[0].firstByte != 0x7b) return null;
    const messageAt = choiceAt + <usize>choice.spans[0].start;
    const message = scanTopLevel(messageAt, choice.spans[0].end - choice.spans[0].start, ANSWER_MESSAGE_KEYS);
    if (message.error !== null) return null;
    const content = message.spans[0];
    const refusal = message.spans[1];
    const calls = message.spans[2];
    // Thoughts are written by the tree reader below.
    if (!spanIsNull(message.spans[3]) || !spanIsNull(message.spans[4])) return null;
    if (!spanIsNull(content) && !isString(content)) return null;
    if (!spanIsNull(refusal) && !isString(refusal)) return null;
    let callItems: Array<ValueSpan> | null = null;
    if (!spanIsNull(calls)) {
      if (calls.firstByte != 0x5b) return null;
      callItems = arrayItemsAtMost(messageAt, calls.start, calls.end, MAX_SPAN_ITEMS) ? arrayItemSpans(messageAt, calls.start, calls.end) : null;
      if (callItems === null) return null;
    }
    const finishSpan = choice.spans[1];
    let finish = isString(finishSpan) ? decodeStringValue(choiceAt, finishSpan.start, finishSpan.end, finishSpan.escaped) : null;

    const w = new JsonWriter(body.byteLength + 256);
    const id = top.spans[0];
    const model = top.spans[1];
    w.object().key("id");
    if (isString(id)) w.rawAt(base + <usize>id.start, id.end - id.start); else w.string("");
    w.key("type").string("message").key("role").string("assistant").key("model");
    if (isString(model)) w.rawAt(base + <usize>model.start, model.end - model.start); else w.string(this.model);
    w.key("content").array();
    let text = content;
    if ((spanIsNull(content) || content.end - content.start == 2) && isString(refusal) && refusal.end - refusal.start > 2) { text = refusal; finish = "content_filter"; }
    if (isString(text) && text.end - text.start > 2) {
      w.object().key("type").string("text").key("text").rawAt(messageAt + <usize>text.start, text.end - text.start).endObject();
    }
    if (callItems !== null) {
      for (let i = 0; i < callItems.length; i++) {
        const item = callItems[i];
        if (item.firstByte != 0x7b) return null;
        const callAt = messageAt + <usize>item.start;
        const call = scanTopLevel(callAt, item.end - item.start, CALL_KEYS);
        if (call.error !== null || call.spans[1].count != 1 || call.spans[1].firstByte != 0x7b || !spanIsNull(call.spans[2])) return null;
        const fnAt = callAt + <usize>call.spans[1].start;
        const fn = scanTopLevel(fnAt, call.spans[1].end - call.spans[1].start, FUNCTION_KEYS);
        if (fn.error !== null || !isString(fn.spans[0])) return null;
        const callId = call.spans[0];
        w.object().key("type").string("tool_use").key("id");
        if (isString(callId)) w.rawAt(callAt + <usize>callId.start, callId.end - callId.start); else w.string("");
        w.key("name").rawAt(fnAt + <usize>fn.spans[0].start, fn.spans[0].end - fn.spans[0].start).key("input");
        writeArgumentsAsInput(w, fnAt, fn.spans[1]);
        w.endObject();
      }
    }
    w.endArray();
    w.key("stop_reason").string(TO_ANTHROPIC.of(finish)).key("stop_sequence").nil();
    const usage = top.spans[3];
    if (usage.count == 1 && usage.firstByte == 0x7b) {
      const parsed = parseJson(String.UTF8.decodeUnsafe(base + <usize>usage.start, <usize>(usage.end - usage.start)), MAX_ANSWER_VALUES);
      if (parsed.value === null) return null;
      this.readUsage(parsed.value!);
    }
    if (isString(model)) this.usage.responseModel = decodeStringValue(base, model.start, model.end, model.escaped);
    w.key("usage");
    this.writeUsage(w);
    w.endObject();
    return w.toBuffer();
  }

  event(event: SseEvent, out: JsonWriter): void {
    if (this.finished) return;
    if (event.dataIs("[DONE]")) { this.close(out); return; }
    if (this.open == OpenBlock.Text && this.textDelta(event, out)) return;
    const parsed = parseJson(event.text(), MAX_ANSWER_VALUES);
    if (parsed.value === null) { this.fail(out, "the provider sent a stream chunk that is not JSON"); return; }
    const chunk = parsed.value!;
    const error = chunkError(chunk);
    if (error !== null) { this.fail(out, error!); return; }
    if (!this.started) this.start(out, chunk);
    const usage = objectAt(chunk, "usage");
    if (usage !== null) this.readUsage(usage);
    const choice = firstChoice(chunk);
    if (choice === null) return;
    const delta = objectAt(choice, "delta");
    if (delta !== null) {
      this.thoughtDelta(out, readThought(delta));
      const text = stringAt(delta, "content");
      if (text !== null && text!.length > 0) {
        if (this.open != OpenBlock.Text) { this.closeBlock(out); this.startBlock(out, OpenBlock.Text, "", ""); }
        beginEvent(out, "content_block_delta");
        out.object().key("type").string("content_block_delta").key("index").number(this.nextBlock - 1);
        out.key("delta").object().key("type").string("text_delta").key("text").string(text!).endObject().endObject();
        endEvent(out);
      }
      const calls = arrayAt(delta, "tool_calls");
      if (calls !== null) for (let i = 0; i < calls.items.length; i++) this.toolDelta(out, calls.items[i]);
    }
    const finish = stringAt(choice, "finish_reason");
    if (finish !== null) { this.finishReason = finish; this.closeBlock(out); }
  }

  /**
   * Most of a stream: a chunk carrying only more text for the open text block, translated from
   * byte spans (the text copied as the JSON string it already is). False for anything else.
   */
  private textDelta(event: SseEvent, out: JsonWriter): bool {
    const base = event.ptr;
    const top = scanInto(CHUNK_SCAN, base, event.length, CHUNK_KEYS);
    if (top.error !== null || !spanIsNull(top.spans[1]) || !spanIsNull(top.spans[2])) return false;
    const choicesSpan = top.spans[0];
    if (!scanOnlyElement(CHOICE_SCAN, base, choicesSpan, CHOICE_KEYS) || !spanIsNull(CHOICE_SCAN.spans[1])) return false;
    const choiceBase = base + <usize>choicesSpan.start + 1;
    const deltaSpan = CHOICE_SCAN.spans[0];
    const delta = CHUNK_DELTA_SCAN;
    if (!scanInner(delta, choiceBase, deltaSpan, CHUNK_DELTA_KEYS) || !spanIsNull(delta.spans[1]) || !spanIsNull(delta.spans[2])) return false;
    const text = delta.spans[0];
    if (text.count != 1 || text.firstByte != 0x22) return false;
    if (text.end - text.start == 2) return true;
    // The event around the text is the same for the whole block: its bytes are built once.
    if (this.textPrefix === null) {
      this.textPrefix = String.UTF8.encode("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" +
        (this.nextBlock - 1).toString() + ",\"delta\":{\"type\":\"text_delta\",\"text\":");
    }
    out.bytes(changetype<usize>(this.textPrefix), this.textPrefix!.byteLength);
    out.bytes(choiceBase + <usize>deltaSpan.start + <usize>text.start, text.end - text.start);
    out.bytes(changetype<usize>(TEXT_EVENT_SUFFIX), TEXT_EVENT_SUFFIX.byteLength);
    return true;
  }

  abort(out: JsonWriter, message: string): void { if (!this.finished) this.fail(out, message); }

  endStream(out: JsonWriter): void {
    if (this.finished) return;
    // Some OpenAI-compatible servers end without [DONE]; a finish_reason seen means the answer is whole.
    if (this.finishReason !== null) this.close(out);
    else this.fail(out, "the provider's stream ended before the message was complete");
  }

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    return new ClientError(status, errorBodyFor(WireApi.Anthropic, status, "", null, info !== null ? info.message : fallback));
  }

  private start(out: JsonWriter, chunk: JsonValue): void {
    this.started = true;
    const id = stringAt(chunk, "id");
    const model = stringAt(chunk, "model");
    if (model !== null) { this.model = model!; this.usage.responseModel = model!; }
    beginEvent(out, "message_start");
    out.object().key("type").string("message_start").key("message").object().key("id").string(id !== null ? id! : "");
    out.key("type").string("message").key("role").string("assistant").key("model").string(this.model).key("content").array().endArray();
    out.key("stop_reason").nil().key("stop_sequence").nil().key("usage");
    this.writeUsage(out);
    out.endObject().endObject();
    endEvent(out);
  }

  /** A chunk's reasoning as thinking blocks: text and signature in one block, redacted thinking in its own. */
  private thoughtDelta(out: JsonWriter, t: Thought): void {
    if (!t.present) return;
    if (t.redacted !== null) {
      this.closeBlock(out);
      beginEvent(out, "content_block_start");
      out.object().key("type").string("content_block_start").key("index").number(this.nextBlock).key("content_block").object();
      out.key("type").string("redacted_thinking").key("data").string(t.redacted!).endObject().endObject();
      endEvent(out);
      this.open = OpenBlock.Text; // closed at once below, as any block
      this.nextBlock++;
      this.closeBlock(out);
    }
    const text = t.text !== null && t.text!.length > 0 ? t.text : null;
    if (text === null && t.signature === null) return;
    if (this.open != OpenBlock.Thinking) { this.closeBlock(out); this.startBlock(out, OpenBlock.Thinking, "", ""); }
    beginEvent(out, "content_block_delta");
    out.object().key("type").string("content_block_delta").key("index").number(this.nextBlock - 1).key("delta").object();
    if (text !== null) out.key("type").string("thinking_delta").key("thinking").string(text!);
    else out.key("type").string("signature_delta").key("signature").string(t.signature!);
    out.endObject().endObject();
    endEvent(out);
    if (text !== null && t.signature !== null) this.thoughtDelta(out, signatureOnly(t.signature!));
  }

  private toolDelta(out: JsonWriter, call: JsonValue): void {
    const index = <i32>integerAt(call, "index", 0);
    const fn = objectAt(call, "function");
    const id = stringAt(call, "id");
    if (this.open != OpenBlock.Tool || index != this.openTool || id !== null) {
      const name = fn !== null ? stringAt(fn, "name") : null;
      this.closeBlock(out);
      this.startBlock(out, OpenBlock.Tool, id !== null ? clientCallId(call, id!) : "", name !== null ? name! : "");
      this.openTool = index;
    }
    const args = fn !== null ? stringAt(fn, "arguments") : null;
    if (args === null || args!.length == 0) return;
    beginEvent(out, "content_block_delta");
    out.object().key("type").string("content_block_delta").key("index").number(this.nextBlock - 1);
    out.key("delta").object().key("type").string("input_json_delta").key("partial_json").string(args!).endObject().endObject();
    endEvent(out);
  }

  private startBlock(out: JsonWriter, kind: OpenBlock, id: string, name: string): void {
    beginEvent(out, "content_block_start");
    out.object().key("type").string("content_block_start").key("index").number(this.nextBlock).key("content_block").object();
    if (kind == OpenBlock.Text) out.key("type").string("text").key("text").string("");
    else if (kind == OpenBlock.Thinking) out.key("type").string("thinking").key("thinking").string("").key("signature").string("");
    else out.key("type").string("tool_use").key("id").string(id).key("name").string(name).key("input").object().endObject();
    out.endObject().endObject();
    endEvent(out);
    this.open = kind;
    this.nextBlock++;
    this.textPrefix = null;
  }

  private closeBlock(out: JsonWriter): void {
    if (this.open == OpenBlock.None) return;
    beginEvent(out, "content_block_stop");
    out.object().key("type").string("content_block_stop").key("index").number(this.nextBlock - 1).endObject();
    endEvent(out);
    this.open = OpenBlock.None;
    this.openTool = -1;
  }

  /** Ends the message: the open block, the stop reason with the final usage, message_stop. */
  private close(out: JsonWriter): void {
    if (!this.started) this.start(out, new JsonValue());
    this.closeBlock(out);
    beginEvent(out, "message_delta");
    out.object().key("type").string("message_delta").key("delta").object().key("stop_reason").string(TO_ANTHROPIC.of(this.finishReason)).key("stop_sequence").nil().endObject();
    out.key("usage");
    this.writeUsage(out);
    out.endObject();
    endEvent(out);
    beginEvent(out, "message_stop");
    out.raw("{\"type\":\"message_stop\"}");
    endEvent(out);
    this.finished = true;
    this.usage.streamEnded = true;
  }

  private fail(out: JsonWriter, message: string): void {
    beginEvent(out, "error");
    out.raw(errorBodyFor(WireApi.Anthropic, 500, "", null, redactSecrets(message, this.secrets)));
    endEvent(out);
    this.finished = true;
  }

  private readUsage(usage: JsonValue): void { readUsage(WireApi.OpenAI, usage, this.usage); }

  /** Anthropic usage: input_tokens excludes what was read from and written to the cache, as Anthropic counts it. */
  private writeUsage(w: JsonWriter): void {
    const u = this.usage;
    const uncached = u.input - u.cachedInput - u.cacheWrite;
    w.object().key("input_tokens").number(uncached > 0 ? uncached : 0).key("output_tokens").number(u.output);
    if (u.cachedInput > 0) w.key("cache_read_input_tokens").number(u.cachedInput);
    if (u.cacheWrite > 0) w.key("cache_creation_input_tokens").number(u.cacheWrite);
    w.endObject();
  }
}

/** A delta holding only a signature. */
function signatureOnly(signature: string): Thought {
  const t = new Thought();
  t.signature = signature;
  return t;
}

/** A tool call's arguments (a JSON string holding JSON) as Anthropic's input object, from its bytes; {} when empty or not an object. */
function writeArgumentsAsInput(w: JsonWriter, at: usize, span: ValueSpan): void {
  if (!isString(span)) { w.rawValue("{}"); return; }
  let ptr = at + <usize>span.start + 1;
  let n = span.end - span.start - 2;
  let pinned: usize = 0;
  if (span.escaped) {
    // Pinned: only its address is used below, across calls that may allocate (and collect).
    pinned = __pin(changetype<usize>(new ArrayBuffer(n * 2 + 4)));
    n = unescapeInto(ptr, ptr + <usize>n, pinned, n * 2 + 4);
    ptr = pinned;
  }
  if (n > 0 && scanTopLevel(ptr, n, NO_KEYS).error === null) w.rawAt(ptr, n);
  else w.rawValue("{}");
  if (pinned != 0) __unpin(pinned);
}

/** A tool call's arguments (JSON text) as Anthropic's input object; {} when empty or not an object. */
function writeToolInput(w: JsonWriter, args: string | null): void {
  if (args !== null && args!.trim().length > 0) {
    const parsed = parseJson(args!);
    if (parsed.value !== null && parsed.value!.kind == JsonKind.Object) { w.value(parsed.value!); return; }
  }
  w.rawValue("{}");
}

/** The text of an array of text blocks, joined by blank lines; null when a block is not text. */
/**
 * A system message inside `messages` (Claude Code sends one mid-conversation) as a chat system
 * message at the same place, written as the top-level system is (marks kept on the hub only).
 * Nothing is written when it has no content (an output_config-only message) or when it is
 * cleared at the next user message and `userFollows`.
 */
function writeSystemMessage(m: JsonValue, path: string, userFollows: bool, w: JsonWriter): string | null {
  const content = member(m, "content");
  const clearAt = stringAt(m, "clear_at");
  let text: string | null = null;
  if (content === null || content.kind == JsonKind.Null) return null;
  if (content.kind == JsonKind.String) text = content.text;
  else if (content.kind == JsonKind.Array && keepMarks && anyMarked(content)) {
    if (userFollows && clearAt !== null && clearAt! == "next_user_message") return null;
    return writeMarkedSystem(content, w) ? null : path + ".content: a system message holds text blocks only";
  } else if (content.kind == JsonKind.Array) {
    text = joinedText(content);
    if (text === null) return path + ".content: a system message holds text blocks only";
  } else return path + ".content: must be a string or an array of text blocks";
  if (userFollows && clearAt !== null && clearAt! == "next_user_message") return null;
  if (text!.length > 0) w.object().key("role").string("system").key("content").string(text!).endObject();
  return null;
}

/** Text blocks' text, a paragraph each; null when a block has none. */
function joinedText(blocks: JsonValue): string | null { return joinedTexts(blocks, "\n\n"); }

/** An Anthropic image block as an OpenAI image_url part; a problem message when it cannot be one. */
function writeImagePart(block: JsonValue, path: string, w: JsonWriter, marked: bool = false): string | null {
  const source = objectAt(block, "source");
  const type = source !== null ? stringAt(source!, "type") : null;
  let url: string | null = null;
  if (type !== null && type! == "base64") {
    const media = stringAt(source!, "media_type");
    const data = stringAt(source!, "data");
    if (media === null || data === null) return path + ".source: needs media_type and data";
    url = "data:" + media! + ";base64," + data!;
  } else if (type !== null && type! == "url") url = stringAt(source!, "url");
  if (url === null) return path + ".source: must be a base64 or url image source";
  w.object().key("type").string("image_url").key("image_url").object().key("url").string(url!).endObject();
  if (marked) writeMark(block, w);
  w.endObject();
  return null;
}

/** The text of a tool_result's content (string or blocks); its images go to `images`. */
function toolResultText(block: JsonValue, images: Array<JsonValue>): string {
  const content = member(block, "content");
  if (content === null) return "";
  if (content.kind == JsonKind.String) return content.text;
  if (content.kind != JsonKind.Array) return "";
  const parts = new Array<string>();
  for (let i = 0; i < content.items.length; i++) {
    const item = content.items[i];
    const type = stringAt(item, "type");
    if (type !== null && type! == "image") images.push(item);
    else {
      const text = stringAt(item, "text");
      if (text !== null) parts.push(text!);
    }
  }
  return parts.join("\n\n");
}

/**
 * A user turn: its tool results become `tool` messages (first, as OpenAI wants them right after
 * the assistant's calls), the rest one user message. Images inside tool results, which an OpenAI
 * tool message cannot carry, follow in that user message.
 */
function writeUser(m: JsonValue, path: string, w: JsonWriter): string | null {
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String) {
    w.object().key("role").string("user").key("content").string(content.text).endObject();
    return null;
  }
  if (content === null || content.kind != JsonKind.Array) return path + ".content: must be a string or an array of blocks";
  const images = new Array<JsonValue>();
  let others = 0;
  for (let i = 0; i < content.items.length; i++) {
    const block = content.items[i];
    const type = stringAt(block, "type");
    if (type !== null && type! == "tool_result") {
      const id = stringAt(block, "tool_use_id");
      if (id === null) return path + ".content." + i.toString() + ".tool_use_id: Field required";
      let text = toolResultText(block, images);
      const isError = member(block, "is_error");
      if (isError !== null && isError.kind == JsonKind.Bool && isError.boolValue && !text.startsWith("Error")) text = "Error: " + text;
      // Toward the hub (keepMarks) an id keeps its thought signature for Gemini; toward OpenAI it must be short.
      w.object().key("role").string("tool").key("tool_call_id").string(keepMarks ? id! : portableCallId(id!)).key("content");
      const mark = keepMarks ? resultMark(block) : null;
      // A marked result is one text part carrying the mark (the hub's form for a marked string).
      if (mark !== null) { w.array().object().key("type").string("text").key("text").string(text); writeCacheControl(w, mark!); w.endObject().endArray(); }
      else w.string(text);
      w.endObject();
    } else if (type !== null && (type! == "text" || type! == "image")) others++;
    else if (type !== null && type! == "document") return path + ".content." + i.toString() + ": document blocks are not supported by this route's backend";
  }
  if (others == 0 && images.length == 0) return null;
  w.object().key("role").string("user").key("content").array();
  for (let i = 0; i < content.items.length; i++) {
    const block = content.items[i];
    const type = stringAt(block, "type");
    if (type === null) continue;
    if (type! == "text") {
      const text = stringAt(block, "text");
      if (text !== null) { w.object().key("type").string("text").key("text").string(text!); writeMark(block, w); w.endObject(); }
    } else if (type! == "image") {
      const problem = writeImagePart(block, path + ".content." + i.toString(), w, true);
      if (problem !== null) return problem;
    }
  }
  for (let i = 0; i < images.length; i++) {
    const problem = writeImagePart(images[i], path + ".content", w);
    if (problem !== null) return problem;
  }
  w.endArray().endObject();
  return null;
}

/** An assistant turn: its text as content, its tool_use blocks as tool_calls; its thinking only toward the hub. */
function writeAssistant(m: JsonValue, path: string, w: JsonWriter, hub: bool): string | null {
  const content = member(m, "content");
  w.object().key("role").string("assistant");
  if (content !== null && content.kind == JsonKind.String) {
    w.key("content").string(content.text).endObject();
    return null;
  }
  if (content === null || content.kind != JsonKind.Array) return path + ".content: must be a string or an array of blocks";
  const texts = new Array<string>();
  let calls = 0;
  for (let i = 0; i < content.items.length; i++) {
    const block = content.items[i];
    const type = stringAt(block, "type");
    if (type !== null && type! == "text") { const t = stringAt(block, "text"); if (t !== null) texts.push(t!); }
    else if (type !== null && type! == "tool_use") calls++;
  }
  w.key("content");
  const textMark = keepMarks ? lastTextMark(content) : null;
  if (texts.length > 0 && textMark !== null) { w.array().object().key("type").string("text").key("text").string(texts.join("")); writeCacheControl(w, textMark!); w.endObject().endArray(); }
  else if (texts.length > 0) w.string(texts.join("")); else w.nil();
  // Earlier thinking goes on through the hub (composed routes): Bedrock-Claude needs it back before its tool use; OpenAI backends take none.
  if (hub) writeThought(w, readAnthropicThought(content));
  if (calls > 0) {
    w.key("tool_calls").array();
    for (let i = 0; i < content.items.length; i++) {
      const block = content.items[i];
      const type = stringAt(block, "type");
      if (type === null || type! != "tool_use") continue;
      const id = stringAt(block, "id");
      const name = stringAt(block, "name");
      if (id === null || name === null) return path + ".content." + i.toString() + ": tool_use needs id and name";
      const input = member(block, "input");
      w.object().key("id").string(hub ? id! : portableCallId(id!)).key("type").string("function").key("function").object().key("name").string(name!);
      w.key("arguments").string(input !== null ? input.toJson() : "{}").endObject();
      writeMark(block, w);
      w.endObject();
    }
    w.endArray();
  }
  w.endObject();
  return null;
}

/** The block's mark as the hub's cache_control member, when this request keeps marks. */
function writeMark(block: JsonValue, w: JsonWriter): void {
  if (!keepMarks) return;
  const ttl = cacheMarkOf(block);
  if (ttl !== null) writeCacheControl(w, ttl!);
}

function orEmpty(s: string | null): string { return s !== null ? s! : ""; }

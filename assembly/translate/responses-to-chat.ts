// An OpenAI Responses API client (https://platform.openai.com/docs/api-reference/responses), an
// OpenAI Chat Completions backend: the stateless subset. Input items (messages, function calls
// and their outputs), instructions, function tools, tool_choice and text.format become a chat
// request; the chat answer becomes a Response, and a chat stream becomes the Responses event
// sequence (response.created … response.completed). What needs server-side state
// (previous_response_id, store: true) is refused. Anthropic, Gemini and Bedrock backends compose
// this with their chat translator (composed.ts). reasoning.effort is reasoning_effort; reasoning
// items go both ways through the hub's reasoning fields (reasoning.ts).
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { arrayAt, integerAt, member, numberAt, objectAt, stringAt } from "../json/members";
import { readUsage } from "../usage/read";
import { firstChoice } from "./chat-answer";
import { SseEvent, beginEvent, endEvent } from "../stream/sse";
import { ChatTools, flatName, isDroppableItem, isHostedTool } from "./responses-tools";
import { ClientError, TranslateFacts, TranslatedRequest, Translator, parseAnswer } from "./translator";
import { WireApi } from "../api";
import { MAX_CITATIONS, takesWebSearchOptions, writeWebSearchOptions } from "./web-search";
import { EFFORTS, Reasoning, Thought, clientCallId, effortIndex, readThought, writeChatReasoning, writeThought, portableCallId } from "./reasoning";

/** One output item as the stream builds it: a message's text, or a function call's arguments. */
class OutputItem {
  /** The deltas so far, joined when read (appending to one string would copy it per delta: quadratic). */
  private parts: Array<string> = [];
  /** A call of a namespace tool's function: its namespace (name is then the function's own). */
  namespace: string = "";
  /** A reasoning item (its text is the summary); `signature` goes back as its encrypted_content. */
  reasoning: bool = false;
  signatureParts: Array<string> = [];
  /** A message's url_citation annotations; a web_search_call item (`search`) records the backend's search. */
  citations: Array<Citation> = [];
  search: bool = false;
  get signature(): string { return this.signatureParts.join(""); }
  set signature(value: string) { this.signatureParts = [value]; }
  constructor(public isCall: bool, public id: string, public callId: string, public name: string) {}
  get text(): string {
    if (this.parts.length == 0) return "";
    if (this.parts.length > 1) this.parts = [this.parts.join("")];
    return this.parts[0];
  }
  set text(value: string) { this.parts = [value]; }
  add(piece: string): void { this.parts.push(piece); }
}

/** A url_citation annotation, read from chat's message.annotations. */
class Citation {
  constructor(public url: string, public title: string, public start: i64, public end: i64) {}
}

/** Chat's annotations (url_citation only), up to MAX_CITATIONS in all. */
function readCitations(v: JsonValue | null, into: Array<Citation>): void {
  if (v === null || v.kind != JsonKind.Array) return;
  for (let i = 0; i < v.items.length && into.length < MAX_CITATIONS; i++) {
    const a = v.items[i];
    const type = stringAt(a, "type");
    const c = objectAt(a, "url_citation");
    const url = c !== null ? stringAt(c!, "url") : null;
    if (type === null || type! != "url_citation" || url === null) continue;
    const title = stringAt(c!, "title");
    into.push(new Citation(url!, title !== null ? title! : "", integerAt(c!, "start_index", 0), integerAt(c!, "end_index", 0)));
  }
}

function writeCitation(w: JsonWriter, c: Citation): void {
  w.object().key("type").string("url_citation").key("url").string(c.url).key("title").string(c.title);
  w.key("start_index").number(c.start).key("end_index").number(c.end).endObject();
}

/** A stream's text and arguments are held for its final response.completed event: this much at most (UTF-16 code units). */
const MAX_HELD_TEXT: i32 = 8 << 20;

export class ResponsesToChat extends Translator {
  private heldText: i64 = 0;
  private created: i64 = 0;
  private model: string = "";
  private id: string = "";
  // Stream state.
  private sequence: i32 = 0;
  private started: bool = false;
  private finished: bool = false;
  private items: Array<OutputItem> = [];
  /** Index in items of the open message, and of the open call per chat tool index. */
  private openMessage: i32 = -1;
  private openReasoning: i32 = -1;
  private callItemOfTool: Array<i32> = [];
  private finishReason: string | null = null;
  /** The request's tools: which chat names are flattened namespace functions. */
  private tools: ChatTools = new ChatTools(false);
  /** The request's web search went to the backend as web_search_options: cited answers get a web_search_call item. */
  private searching: bool = false;

  constructor() { super(WireApi.Responses, WireApi.OpenAI); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    this.created = facts.nowSeconds;
    this.model = facts.model;
    this.id = "resp_llmmesh" + facts.nowSeconds.toString();
    if (member(body, "previous_response_id") !== null && member(body, "previous_response_id")!.kind != JsonKind.Null) {
      return TranslatedRequest.refused("previous_response_id: this route's backend keeps no conversation state; send the whole conversation in input");
    }
    const store = member(body, "store");
    if (store !== null && store.kind == JsonKind.Bool && store.boolValue) return TranslatedRequest.refused("store: this route's backend cannot store responses; leave store unset or false");
    const w = new JsonWriter(1024);
    w.object().key("model").string(facts.model).key("messages").array();
    const instructions = stringAt(body, "instructions");
    if (instructions !== null && instructions!.length > 0) w.object().key("role").string("system").key("content").string(instructions!).endObject();
    const input = member(body, "input");
    const tools = new ChatTools(facts.refuseHostedTools, facts.hub || takesWebSearchOptions(facts.model));
    this.tools = tools;
    if (input !== null && input.kind == JsonKind.String) w.object().key("role").string("user").key("content").string(input.text).endObject();
    else if (input !== null && input.kind == JsonKind.Array) {
      const problem = writeItems(input, w, tools, facts.hub);
      if (problem !== null) return TranslatedRequest.refused(problem!);
    } else return TranslatedRequest.refused("input: is required (a string or an array of items)");
    w.endArray();

    const reasoningConfig = objectAt(body, "reasoning");
    const effort = reasoningConfig !== null ? stringAt(reasoningConfig!, "effort") : null;
    if (effort !== null) {
      const r = new Reasoning();
      r.effort = effortIndex(effort!);
      if (r.effort < 0) return TranslatedRequest.refused("reasoning.effort: must be one of " + EFFORTS.join(", "));
      writeChatReasoning(r, w, facts.hub, facts.model);
    }
    const limit = numberAt(body, "max_output_tokens");
    if (limit !== null) w.key(facts.maxTokensField).rawValue(limit.text);
    const temperature = numberAt(body, "temperature");
    if (temperature !== null) w.key("temperature").rawValue(temperature.text);
    const topP = numberAt(body, "top_p");
    if (topP !== null) w.key("top_p").rawValue(topP.text);
    const parallel = member(body, "parallel_tool_calls");
    const toolProblem = writeTools(body, tools);
    if (toolProblem !== null) return TranslatedRequest.refused(toolProblem!);
    if (tools.count > 0) {
      tools.w.endArray();
      w.key("tools").bytes(tools.w.dataPtr, tools.w.length);
      const choice = member(body, "tool_choice");
      const choiceType = choice !== null && choice.kind == JsonKind.Object ? stringAt(choice, "type") : null;
      if (choice !== null && choice.kind == JsonKind.String) w.key("tool_choice").string(choice.text);
      else if (choice !== null && choice.kind == JsonKind.Object && (choiceType === null || choiceType! == "function")) {
        const name = stringAt(choice, "name");
        if (name === null) return TranslatedRequest.refused("tool_choice: only auto, none, required or a named function can be translated");
        const ns = stringAt(choice, "namespace");
        w.key("tool_choice").object().key("type").string("function").key("function").object().key("name").string(ns !== null ? flatName(ns!, name!) : name!).endObject().endObject();
      } else if (choiceType !== null && isHostedTool(choiceType!)) {
        // A hosted tool forced: the tool is dropped (or refused above), so the choice goes too.
        const dropped = tools.drop(choiceType, "tool_choice");
        if (dropped !== null) return TranslatedRequest.refused(dropped!);
      } else if (choice !== null && choice.kind == JsonKind.Object) return TranslatedRequest.refused("tool_choice: only auto, none, required or a named function can be translated");
      if (parallel !== null && parallel.kind == JsonKind.Bool) w.key("parallel_tool_calls").boolean(parallel.boolValue);
    }
    if (tools.search !== null) {
      // Responses' cap on built-in tool calls is the backend's cap on searches (composed routes only).
      const cap = integerAt(body, "max_tool_calls", 0);
      if (cap > 0 && tools.search!.maxUses == 0) tools.search!.maxUses = cap;
      writeWebSearchOptions(w, tools.search!, facts.hub);
      this.searching = true;
    }
    const text = objectAt(body, "text");
    const format = text !== null ? objectAt(text!, "format") : null;
    if (format !== null) {
      const type = stringAt(format!, "type");
      if (type !== null && type! == "json_schema") {
        const schema = objectAt(format!, "schema");
        if (schema === null) return TranslatedRequest.refused("text.format.schema: is required");
        const name = stringAt(format!, "name");
        w.key("response_format").object().key("type").string("json_schema").key("json_schema").object().key("name").string(name !== null ? name! : "output").key("schema").value(schema!);
        const description = stringAt(format!, "description");
        if (description !== null) w.key("description").string(description!);
        const strict = member(format!, "strict");
        if (strict !== null && strict.kind == JsonKind.Bool) w.key("strict").boolean(strict.boolValue);
        w.endObject().endObject();
      } else if (type !== null && type! == "json_object") w.key("response_format").object().key("type").string("json_object").endObject();
    }
    const user = stringAt(body, "user");
    if (user !== null) w.key("user").string(user!);
    // Chat on OpenAI takes the client's cache key as Responses does; other backends have no such key (cache-marks.ts).
    const cacheKey = facts.promptCacheKey ? stringAt(body, "prompt_cache_key") : null;
    if (cacheKey !== null) w.key("prompt_cache_key").string(cacheKey!);
    const stream = member(body, "stream");
    const streaming = stream !== null && stream.kind == JsonKind.Bool && stream.boolValue;
    if (streaming) w.key("stream").boolean(true).key("stream_options").object().key("include_usage").boolean(true).endObject();
    w.endObject();
    return TranslatedRequest.of(w, streaming, tools.dropped);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const c = parseAnswer(body);
    if (c === null) return null;
    const choice = firstChoice(c);
    if (choice === null) return null;
    const message = objectAt(choice, "message");
    const items = new Array<OutputItem>();
    if (message !== null) {
      const thought = readThought(message!);
      if (thought.text !== null || thought.signature !== null) {
        const r = new OutputItem(false, "rs_" + this.id, "", "");
        r.reasoning = true;
        r.text = thought.text !== null ? thought.text! : "";
        if (thought.signature !== null) r.signature = thought.signature!;
        items.push(r);
      }
      const content = stringAt(message!, "content");
      if (content !== null && content!.length > 0) {
        const m = new OutputItem(false, "msg_" + this.id, "", "");
        m.text = content!;
        readCitations(member(message!, "annotations"), m.citations);
        // The search happened on the backend's side: an item saying so comes before the answer, as OpenAI orders them.
        if (m.citations.length > 0 && this.searching) items.push(this.searchItem());
        items.push(m);
      }
      const calls = arrayAt(message!, "tool_calls");
      if (calls !== null) {
        for (let i = 0; i < calls.items.length; i++) {
          const fn = objectAt(calls.items[i], "function");
          const callId = stringAt(calls.items[i], "id");
          const name = fn !== null ? stringAt(fn!, "name") : null;
          const item = this.callItem("fc_" + (callId !== null ? callId! : i.toString()), callId !== null ? clientCallId(calls.items[i], callId!) : null, name);
          const args = fn !== null ? stringAt(fn!, "arguments") : null;
          // A call without arguments is "{}" in Responses, as OpenAI writes it ("" does not parse).
          item.text = args !== null && args!.length > 0 ? args! : "{}";
          items.push(item);
        }
      }
    }
    const model = stringAt(c, "model");
    if (model !== null) { this.model = model!; this.usage.responseModel = model!; }
    const usage = objectAt(c, "usage");
    if (usage !== null) this.readUsage(usage!);
    this.items = items;
    this.finishReason = stringAt(choice, "finish_reason");
    const w = new JsonWriter(body.byteLength + 512);
    this.writeResponse(w, true);
    return w.toBuffer();
  }

  event(event: SseEvent, out: JsonWriter): void {
    if (this.finished) return;
    if (event.dataIs("[DONE]")) { this.complete(out); return; }
    const parsed = parseJson(event.text(), MAX_ANSWER_VALUES);
    if (parsed.value === null) { this.fail(out, "the provider sent a stream chunk that is not JSON"); return; }
    const chunk = parsed.value!;
    const error = objectAt(chunk, "error");
    if (error !== null) {
      const message = stringAt(error!, "message");
      this.fail(out, message !== null ? message! : "the provider reported an error mid-stream");
      return;
    }
    if (!this.started) {
      this.started = true;
      const model = stringAt(chunk, "model");
      if (model !== null) { this.model = model!; this.usage.responseModel = model!; }
      this.emitResponse(out, "response.created");
      this.emitResponse(out, "response.in_progress");
    }
    const usage = objectAt(chunk, "usage");
    if (usage !== null) this.readUsage(usage!);
    const choice = firstChoice(chunk);
    if (choice === null) return;
    const delta = objectAt(choice, "delta");
    if (delta !== null) {
      this.thoughtDelta(out, readThought(delta!));
      const text = stringAt(delta!, "content");
      if (text !== null && text!.length > 0) this.textDelta(out, text!);
      const annotations = member(delta!, "annotations");
      if (annotations !== null) this.citationDelta(out, annotations);
      const calls = arrayAt(delta!, "tool_calls");
      if (calls !== null) for (let i = 0; i < calls.items.length; i++) this.callDelta(out, calls.items[i]);
    }
    const finish = stringAt(choice, "finish_reason");
    if (finish !== null) this.finishReason = finish;
  }

  abort(out: JsonWriter, message: string): void { if (!this.finished) this.fail(out, message); }

  endStream(out: JsonWriter): void {
    if (this.finished) return;
    if (this.finishReason !== null) this.complete(out);
    else this.fail(out, "the provider's stream ended before the response was complete");
  }

  error(status: i32, body: string | null, fallback: string): ClientError {
    // The Responses API reports errors in the same shape as chat ({"error":{…}}).
    const info = body !== null ? readProviderError(body!) : null;
    return new ClientError(status, errorBodyFor(WireApi.OpenAI, status, info !== null ? info.type : "", info !== null ? info.code : "provider_error", info !== null ? info.message : fallback));
  }

  private readUsage(usage: JsonValue): void { readUsage(WireApi.OpenAI, usage, this.usage); }

  /** A function_call item; a flattened namespace function goes back as its namespace and own name. */
  private callItem(id: string, callId: string | null, name: string | null): OutputItem {
    const chatName = name !== null ? name! : "";
    const item = new OutputItem(true, id, callId !== null ? callId! : "", chatName);
    if (this.tools.namespaced.has(chatName)) {
      const original = this.tools.namespaced.get(chatName);
      item.name = original.name;
      item.namespace = original.namespace;
    }
    return item;
  }


  private next(out: JsonWriter, type: string): void {
    beginEvent(out, type);
    out.object().key("type").string(type).key("sequence_number").number(this.sequence++);
  }

  /** Begins an event about output item `at` (its id `id`): what follows is the event's own. */
  private itemEventOpen(out: JsonWriter, type: string, id: string, at: i32): void {
    this.next(out, type);
    out.key("item_id").string(id).key("output_index").number(at);
  }

  /** response.output_item.added (`done` false: the item as it opens) or response.output_item.done (the item whole). */
  private itemEvent(out: JsonWriter, at: i32, item: OutputItem, done: bool): void {
    this.next(out, done ? "response.output_item.done" : "response.output_item.added");
    out.key("output_index").number(at).key("item");
    writeItem(out, item, done);
    out.endObject();
    endEvent(out);
  }

  private emitResponse(out: JsonWriter, type: string): void {
    this.next(out, type);
    out.key("response");
    this.writeResponse(out, type == "response.completed");
    out.endObject();
    endEvent(out);
  }

  /** Reasoning text as a reasoning item's summary; its signature kept for the item's encrypted_content. */
  private thoughtDelta(out: JsonWriter, t: Thought): void {
    if (t.text === null && t.signature === null) return;
    if (this.openReasoning < 0) {
      this.closeMessage(out);
      this.closeCalls(out);
      this.openReasoning = this.items.length;
      const item = new OutputItem(false, "rs_" + this.id + "_" + this.items.length.toString(), "", "");
      item.reasoning = true;
      this.items.push(item);
      this.itemEvent(out, this.openReasoning, item, false);
      this.itemEventOpen(out, "response.reasoning_summary_part.added", item.id, this.openReasoning);
      out.key("summary_index").number(0);
      out.key("part").object().key("type").string("summary_text").key("text").string("").endObject().endObject();
      endEvent(out);
    }
    const item = this.items[this.openReasoning];
    // Counted as held text, and kept in pieces (joined once when written): a provider may split it.
    if (t.signature !== null && t.signature!.length > 0) { if (!this.hold(out, t.signature!)) return; item.signatureParts.push(t.signature!); }
    if (t.text === null || t.text!.length == 0 || !this.hold(out, t.text!)) return;
    item.add(t.text!);
    this.itemEventOpen(out, "response.reasoning_summary_text.delta", item.id, this.openReasoning);
    out.key("summary_index").number(0).key("delta").string(t.text!).endObject();
    endEvent(out);
  }

  private closeReasoning(out: JsonWriter): void {
    if (this.openReasoning < 0) return;
    const at = this.openReasoning;
    const item = this.items[at];
    this.itemEventOpen(out, "response.reasoning_summary_text.done", item.id, at);
    out.key("summary_index").number(0).key("text").string(item.text).endObject();
    endEvent(out);
    this.itemEventOpen(out, "response.reasoning_summary_part.done", item.id, at);
    out.key("summary_index").number(0);
    out.key("part").object().key("type").string("summary_text").key("text").string(item.text).endObject().endObject();
    endEvent(out);
    this.itemEvent(out, at, item, true);
    this.openReasoning = -1;
  }

  private textDelta(out: JsonWriter, text: string): void {
    if (this.openMessage < 0) {
      this.closeReasoning(out);
      this.closeCalls(out);
      this.openMessage = this.items.length;
      const item = new OutputItem(false, "msg_" + this.id + "_" + this.items.length.toString(), "", "");
      this.items.push(item);
      this.itemEvent(out, this.openMessage, item, false);
      this.itemEventOpen(out, "response.content_part.added", item.id, this.openMessage);
      out.key("content_index").number(0);
      out.key("part").object().key("type").string("output_text").key("text").string("").key("annotations").array().endArray().endObject().endObject();
      endEvent(out);
    }
    const item = this.items[this.openMessage];
    if (!this.hold(out, text)) return;
    item.add(text);
    this.itemEventOpen(out, "response.output_text.delta", item.id, this.openMessage);
    out.key("content_index").number(0).key("delta").string(text).endObject();
    endEvent(out);
  }

  /** Annotations on the open message: each announced as it arrives, all written again when the message is done. */
  private citationDelta(out: JsonWriter, annotations: JsonValue): void {
    if (this.openMessage < 0) return;
    const item = this.items[this.openMessage];
    const before = item.citations.length;
    readCitations(annotations, item.citations);
    for (let i = before; i < item.citations.length; i++) {
      this.itemEventOpen(out, "response.output_text.annotation.added", item.id, this.openMessage);
      out.key("content_index").number(0).key("annotation_index").number(i);
      out.key("annotation");
      writeCitation(out, item.citations[i]);
      out.endObject();
      endEvent(out);
    }
  }

  /** A completed web_search_call item: the backend searched (what it searched for is not in the chat answer). */
  private searchItem(): OutputItem {
    const item = new OutputItem(false, "ws_" + this.id + "_" + this.items.length.toString(), "", "");
    item.search = true;
    return item;
  }

  private callDelta(out: JsonWriter, call: JsonValue): void {
    const index = <i32>integerAt(call, "index", 0);
    if (index < 0 || index > 1024) return;
    while (this.callItemOfTool.length <= index) this.callItemOfTool.push(-1);
    const fn = objectAt(call, "function");
    if (this.callItemOfTool[index] < 0) {
      this.closeReasoning(out);
      this.closeMessage(out);
      const callId = stringAt(call, "id");
      const name = fn !== null ? stringAt(fn!, "name") : null;
      const item = this.callItem("fc_" + (callId !== null ? callId! : this.id + "_" + index.toString()), callId !== null ? clientCallId(call, callId!) : null, name);
      this.callItemOfTool[index] = this.items.length;
      this.items.push(item);
      this.itemEvent(out, this.items.length - 1, item, false);
    }
    const args = fn !== null ? stringAt(fn!, "arguments") : null;
    if (args === null || args!.length == 0) return;
    const at = this.callItemOfTool[index];
    if (!this.hold(out, args!)) return;
    this.items[at].add(args!);
    this.itemEventOpen(out, "response.function_call_arguments.delta", this.items[at].id, at);
    out.key("delta").string(args!).endObject();
    endEvent(out);
  }

  private closeMessage(out: JsonWriter): void {
    if (this.openMessage < 0) return;
    const at = this.openMessage;
    const item = this.items[at];
    this.itemEventOpen(out, "response.output_text.done", item.id, at);
    out.key("content_index").number(0).key("text").string(item.text).endObject();
    endEvent(out);
    this.itemEventOpen(out, "response.content_part.done", item.id, at);
    out.key("content_index").number(0);
    out.key("part").object().key("type").string("output_text").key("text").string(item.text).key("annotations").array();
    for (let i = 0; i < item.citations.length; i++) writeCitation(out, item.citations[i]);
    out.endArray().endObject().endObject();
    endEvent(out);
    this.itemEvent(out, at, item, true);
    this.openMessage = -1;
    if (item.citations.length > 0 && this.searching) {
      // A stream tells of the search once its answer is known to be cited: after the message.
      const search = this.searchItem();
      this.items.push(search);
      const index = this.items.length - 1;
      this.itemEvent(out, index, search, false);
      this.itemEvent(out, index, search, true);
    }
  }

  private closeCalls(out: JsonWriter): void {
    for (let i = 0; i < this.callItemOfTool.length; i++) {
      const at = this.callItemOfTool[i];
      if (at < 0) continue;
      const item = this.items[at];
      if (item.text.length == 0) {
        // A call streamed without arguments gets "{}", as OpenAI streams one ("" does not parse).
        item.add("{}");
        this.itemEventOpen(out, "response.function_call_arguments.delta", item.id, at);
        out.key("delta").string("{}").endObject();
        endEvent(out);
      }
      this.itemEventOpen(out, "response.function_call_arguments.done", item.id, at);
      out.key("arguments").string(item.text).endObject();
      endEvent(out);
      this.itemEvent(out, at, item, true);
    }
    this.callItemOfTool = [];
  }

  private complete(out: JsonWriter): void {
    if (!this.started) { this.started = true; this.emitResponse(out, "response.created"); }
    this.closeReasoning(out);
    this.closeMessage(out);
    this.closeCalls(out);
    this.emitResponse(out, this.finishReason !== null && this.finishReason! == "length" ? "response.incomplete" : "response.completed");
    this.finished = true;
    this.usage.streamEnded = true;
  }

  /** Counts text the stream holds; past the bound the stream ends with an error (false). */
  private hold(out: JsonWriter, piece: string): bool {
    this.heldText += piece.length;
    if (this.heldText <= MAX_HELD_TEXT) return true;
    this.fail(out, "the answer is longer than llm-mesh holds for a Responses stream (" + (MAX_HELD_TEXT >> 20).toString() + " Mi characters)");
    return false;
  }

  private fail(out: JsonWriter, message: string): void {
    this.next(out, "error");
    out.key("code").nil().key("message").string(message).key("param").nil().endObject();
    endEvent(out);
    this.finished = true;
  }

  /** The Response object; `final` gives it its status, output and usage. */
  private writeResponse(w: JsonWriter, final: bool): void {
    const incomplete = final && this.finishReason !== null && this.finishReason! == "length";
    w.object().key("id").string(this.id).key("object").string("response").key("created_at").number(this.created);
    w.key("status").string(!final ? "in_progress" : incomplete ? "incomplete" : "completed");
    w.key("model").string(this.model).key("output").array();
    if (final) for (let i = 0; i < this.items.length; i++) writeItem(w, this.items[i], true);
    w.endArray();
    w.key("error").nil().key("incomplete_details");
    if (incomplete) w.object().key("reason").string("max_output_tokens").endObject(); else w.nil();
    w.key("usage");
    if (final) {
      const u = this.usage;
      w.object().key("input_tokens").number(u.input).key("input_tokens_details").object().key("cached_tokens").number(u.cachedInput).endObject();
      w.key("output_tokens").number(u.output).key("output_tokens_details").object().key("reasoning_tokens").number(u.reasoning).endObject();
      w.key("total_tokens").number(u.input + u.output).endObject();
    } else w.nil();
    w.endObject();
  }
}

/** An output item in the Responses shape. */
function writeItem(w: JsonWriter, item: OutputItem, done: bool): void {
  const status = done ? "completed" : "in_progress";
  if (item.reasoning) {
    // The summary is what chat-shaped backends give of a model's reasoning; a signature rides as encrypted_content, which Codex sends back as received.
    w.object().key("type").string("reasoning").key("id").string(item.id).key("summary").array();
    if (done && item.text.length > 0) w.object().key("type").string("summary_text").key("text").string(item.text).endObject();
    w.endArray();
    if (done && item.signature.length > 0) w.key("encrypted_content").string(item.signature);
    w.endObject();
    return;
  }
  if (item.search) {
    w.object().key("type").string("web_search_call").key("id").string(item.id).key("status").string(done ? "completed" : "in_progress");
    w.key("action").object().key("type").string("search").key("query").string("").endObject().endObject();
    return;
  }
  if (item.isCall) {
    w.object().key("type").string("function_call").key("id").string(item.id).key("call_id").string(item.callId).key("name").string(item.name);
    if (item.namespace.length > 0) w.key("namespace").string(item.namespace);
    w.key("arguments").string(done ? item.text : "").key("status").string(status).endObject();
    return;
  }
  w.object().key("type").string("message").key("id").string(item.id).key("status").string(status).key("role").string("assistant").key("content").array();
  if (done) {
    w.object().key("type").string("output_text").key("text").string(item.text).key("annotations").array();
    for (let i = 0; i < item.citations.length; i++) writeCitation(w, item.citations[i]);
    w.endArray().endObject();
  }
  w.endArray().endObject();
}

/** The request's tools, then those of its additional_tools input items, as chat tools. */
function writeTools(body: JsonValue, tools: ChatTools): string | null {
  const top = arrayAt(body, "tools");
  if (top !== null) {
    for (let i = 0; i < top.items.length; i++) {
      const problem = tools.add(top.items[i], "tools[" + i.toString() + "]");
      if (problem !== null) return problem;
    }
  }
  const input = arrayAt(body, "input");
  if (input === null) return null;
  for (let i = 0; i < input.items.length; i++) {
    const type = stringAt(input.items[i], "type");
    if (type === null || type! != "additional_tools") continue;
    const extra = arrayAt(input.items[i], "tools");
    if (extra === null) return "input[" + i.toString() + "].tools: an additional_tools item needs an array of tools";
    for (let j = 0; j < extra.items.length; j++) {
      const problem = tools.add(extra.items[j], "input[" + i.toString() + "].tools[" + j.toString() + "]");
      if (problem !== null) return problem;
    }
  }
  return null;
}

/** Input items as chat messages: consecutive function calls join one assistant message. */
function writeItems(input: JsonValue, w: JsonWriter, tools: ChatTools, hub: bool): string | null {
  let i = 0;
  // A reasoning item goes back on the assistant message after it (composed routes only: the hub's fields, reasoning.ts).
  let thought: Thought | null = null;
  const n = input.items.length;
  while (i < n) {
    const item = input.items[i];
    const path = "input[" + i.toString() + "]";
    const type = stringAt(item, "type");
    const role = stringAt(item, "role");
    if (type !== null && type! == "function_call") {
      w.object().key("role").string("assistant").key("content").nil();
      if (thought !== null) { writeThought(w, thought!); thought = null; }
      w.key("tool_calls").array();
      while (i < n && stringAt(input.items[i], "type") !== null && stringAt(input.items[i], "type")! == "function_call") {
        const call = input.items[i];
        const callId = stringAt(call, "call_id");
        let name = stringAt(call, "name");
        if (callId === null || name === null) return "input[" + i.toString() + "]: a function_call needs call_id and name";
        const ns = stringAt(call, "namespace");
        if (ns !== null) name = flatName(ns!, name!);
        const args = stringAt(call, "arguments");
        // "" would reach a chat backend that parses it: a call without arguments is "{}", as OpenAI writes it.
        w.object().key("id").string(hub ? callId! : portableCallId(callId!)).key("type").string("function").key("function").object().key("name").string(name!).key("arguments").string(args !== null && args!.length > 0 ? args! : "{}").endObject().endObject();
        i++;
      }
      w.endArray().endObject();
      continue;
    }
    if (type !== null && type! == "function_call_output") {
      const callId = stringAt(item, "call_id");
      if (callId === null) return path + ".call_id: is required";
      const output = member(item, "output");
      w.object().key("role").string("tool").key("tool_call_id").string(hub ? callId! : portableCallId(callId!)).key("content");
      if (output !== null && output.kind == JsonKind.String) w.string(output.text);
      else if (output !== null) w.string(output.toJson());
      else w.string("");
      w.endObject();
      i++;
      continue;
    }
    if (type !== null && type! == "reasoning") {
      if (hub) thought = reasoningItemThought(item);
      i++;
      continue;
    }
    // Tools offered mid-conversation (Codex's additional_tools) join the request's tools (writeTools).
    if (type !== null && type! == "additional_tools") { i++; continue; }
    if (type !== null && isDroppableItem(type!)) {
      const problem = tools.drop(type, path);
      if (problem !== null) return problem;
      i++;
      continue;
    }
    if ((type === null || type! == "message") && role !== null) {
      const problem = writeMessage(item, role!, path, w, role! == "assistant" ? thought : null);
      if (role! == "assistant") thought = null;
      if (problem !== null) return problem;
      i++;
      continue;
    }
    return path + ".type: \"" + (type !== null ? type! : "") + "\" cannot be translated for this route's backend";
  }
  return null;
}

/** A reasoning input item as the hub's reasoning fields: its summary text, its encrypted_content as the signature. */
function reasoningItemThought(item: JsonValue): Thought {
  const t = new Thought();
  const summary = arrayAt(item, "summary");
  const texts = new Array<string>();
  if (summary !== null) for (let j = 0; j < summary.items.length; j++) { const s = stringAt(summary.items[j], "text"); if (s !== null) texts.push(s!); }
  t.text = texts.join("");
  t.signature = stringAt(item, "encrypted_content");
  return t;
}

function writeMessage(item: JsonValue, role: string, path: string, w: JsonWriter, thought: Thought | null): string | null {
  if (role != "user" && role != "assistant" && role != "system" && role != "developer") return path + ".role: must be user, assistant, system or developer";
  const content = member(item, "content");
  w.object().key("role").string(role);
  if (thought !== null) writeThought(w, thought!);
  w.key("content");
  if (content !== null && content.kind == JsonKind.String) { w.string(content.text).endObject(); return null; }
  if (content === null || content.kind != JsonKind.Array) return path + ".content: must be a string or an array of parts";
  if (role == "assistant") {
    // Assistant history: its output_text parts as one string.
    const texts = new Array<string>();
    for (let j = 0; j < content.items.length; j++) { const t = stringAt(content.items[j], "text"); if (t !== null) texts.push(t!); }
    w.string(texts.join("")).endObject();
    return null;
  }
  w.array();
  for (let j = 0; j < content.items.length; j++) {
    const part = content.items[j];
    const type = stringAt(part, "type");
    if (type !== null && (type! == "input_text" || type! == "output_text")) {
      const t = stringAt(part, "text");
      w.object().key("type").string("text").key("text").string(t !== null ? t! : "").endObject();
    } else if (type !== null && type! == "input_image") {
      const url = stringAt(part, "image_url");
      if (url === null) return path + ".content[" + j.toString() + "]: an input_image needs image_url (file_id needs server-side files)";
      w.object().key("type").string("image_url").key("image_url").object().key("url").string(url!);
      const detail = stringAt(part, "detail");
      if (detail !== null) w.key("detail").string(detail!);
      w.endObject().endObject();
    } else return path + ".content[" + j.toString() + "].type: \"" + (type !== null ? type! : "") + "\" cannot be translated for this route's backend";
  }
  w.endArray().endObject();
  return null;
}

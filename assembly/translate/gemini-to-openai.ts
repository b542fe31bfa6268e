// A Gemini client (generateContent, streamGenerateContent), an OpenAI chat backend, or the chat
// "hub" that composed translators pass through to Anthropic and Bedrock (composed.ts).
//   request:  https://ai.google.dev/api/generate-content#request-body
//          -> https://platform.openai.com/docs/api-reference/chat/create
//   response: chat.completion -> GenerateContentResponse; chat.completion.chunk events -> one
//             GenerateContentResponse per `data:` event (Gemini's alt=sse stream has no terminator).
// Gemini's function calls carry no ids: llm-mesh names them call_<n> in conversation order, and a
// functionResponse answers the earliest open call of its name (or the one its id names).
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { redactSecrets } from "../safety/redact-text";
import { Operation, WireApi } from "../api";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { arrayAt, has, integerAt, joinedTexts, member, numberAt, objectAt, stringAt } from "../json/members";
import { writeOpenApiSchema } from "./openapi-schema";
import { camelCaseKeys } from "./gemini-fields";
import { readUsage } from "../usage/read";
import { chunkError, firstChoice } from "./chat-answer";
import { SseEvent } from "../stream/sse";
import { WebSearch, takesWebSearchOptions, writeWebSearchOptions } from "./web-search";
import { ClientError, TranslateFacts, TranslatedRequest, Translator, parseAnswer } from "./translator";
import { Reasoning, readGeminiThinking, writeChatReasoning } from "./reasoning";
import { TO_GEMINI } from "./finish-reasons";

/** Tool call arguments a stream may accumulate before its calls are written whole (Gemini sends each call in one piece). */
const MAX_STREAMED_ARGS: i32 = 4 << 20;

/** A call the model made, as the client's history gives it: name and the chat id llm-mesh gave it. */
class OpenCall {
  answered: bool = false;
  constructor(public name: string, public id: string) {}
}

/** A streamed tool call, gathered until the answer ends. */
class StreamedCall {
  id: string = "";
  name: string = "";
  args: Array<string> = [];
  signature: string | null = null;
}

export class GeminiToOpenAI extends Translator {
  private model: string = "";
  private secrets: string[] = [];
  /** The client's stream is over (its last event or an error was written). */
  private finished: bool = false;
  private started: bool = false;
  private finishReason: string | null = null;
  private responseId: string = "";
  private calls: Array<StreamedCall> = [];
  private argBytes: i32 = 0;

  /** The chat body feeds another translator (facts.hub): hub-only fields (thoughts, signatures, top_k) are written. */
  private hub: bool = false;

  constructor(private op: Operation) { super(WireApi.Gemini, WireApi.OpenAI); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    this.hub = facts.hub;
    this.model = facts.model;
    this.secrets = facts.secrets;
    const twice = camelCaseKeys(body);
    if (twice !== null) return TranslatedRequest.refused(twice!);
    if (has(body, "cachedContent")) return TranslatedRequest.refused("cachedContent: names a Gemini cache; this backend is not Gemini");
    const contents = arrayAt(body, "contents");
    if (contents === null || contents.items.length == 0) return TranslatedRequest.refused("contents: is required and must be a non-empty array");
    const w = new JsonWriter(1024);
    w.object().key("model").string(facts.model).key("messages").array();
    const system = member(body, "systemInstruction");
    if (system !== null && system.kind != JsonKind.Null) {
      const text = systemText(system);
      if (text === null) return TranslatedRequest.refused("systemInstruction: must be text parts");
      if (text!.length > 0) w.object().key("role").string("system").key("content").string(text!).endObject();
    }
    const open = new Array<OpenCall>();
    let nextCall = 0;
    for (let i = 0; i < contents.items.length; i++) {
      const c = contents.items[i];
      const path = "contents[" + i.toString() + "]";
      const parts = arrayAt(c, "parts");
      if (parts === null || parts.items.length == 0) return TranslatedRequest.refused(path + ".parts: must be a non-empty array");
      const role = member(c, "role");
      const isModel = role !== null && role.kind == JsonKind.String && role.text == "model";
      if (role !== null && role.kind != JsonKind.Null && !isModel && !(role.kind == JsonKind.String && (role.text == "user" || role.text == "function"))) {
        return TranslatedRequest.refused(path + ".role: must be user or model");
      }
      let problem: string | null = null;
      if (isModel) {
        // The calls of this turn are the ones the next turn's functionResponses answer.
        open.length = 0;
        problem = this.writeModelTurn(w, parts, path, open, nextCall);
        nextCall += open.length;
      } else problem = writeUserTurn(w, parts, path, open);
      if (problem !== null) return TranslatedRequest.refused(problem!);
    }
    w.endArray();
    const dropped = new Array<string>();
    const problem = writeTools(w, body, facts, dropped);
    if (problem !== null) return TranslatedRequest.refused(problem!);
    const config = member(body, "generationConfig");
    if (config !== null && config.kind == JsonKind.Object) {
      const bad = this.writeGenerationConfig(w, config, facts);
      if (bad !== null) return TranslatedRequest.refused(bad!);
    }
    const streaming = this.op == Operation.GeminiStream;
    // A Gemini stream reports usage; OpenAI's do only when asked.
    if (streaming) w.key("stream").boolean(true).key("stream_options").object().key("include_usage").boolean(true).endObject();
    w.endObject();
    return TranslatedRequest.of(w, streaming, dropped);
  }

  /** A model turn: its text (thoughts apart), then its function calls, as one assistant message. */
  private writeModelTurn(w: JsonWriter, parts: JsonValue, path: string, open: Array<OpenCall>, firstCall: i32): string | null {
    const texts = new Array<string>();
    const thoughts = new Array<string>();
    let signature: string | null = null;
    const calls = new Array<JsonValue>();
    const callSignatures = new Array<string | null>();
    for (let j = 0; j < parts.items.length; j++) {
      const p = parts.items[j];
      const partPath = path + ".parts[" + j.toString() + "]";
      const call = objectAt(p, "functionCall");
      const sig = stringAt(p, "thoughtSignature");
      if (call !== null) { calls.push(call!); callSignatures.push(sig); continue; }
      const text = stringAt(p, "text");
      if (text === null) {
        if (sig !== null && p.keys.length == 1) continue;
        return partPath + ": not a text or functionCall part";
      }
      const thought = member(p, "thought");
      if (thought !== null && thought.kind == JsonKind.Bool && thought.boolValue) { thoughts.push(text!); if (sig !== null) signature = sig; }
      else texts.push(text!);
    }
    w.object().key("role").string("assistant").key("content");
    const text = texts.join("");
    if (text.length == 0 && calls.length > 0) w.nil(); else w.string(text);
    if (this.hub && thoughts.length > 0) {
      w.key("reasoning_content").string(thoughts.join(""));
      if (signature !== null) w.key("reasoning_signature").string(signature!);
    }
    if (calls.length > 0) {
      w.key("tool_calls").array();
      for (let k = 0; k < calls.length; k++) {
        const call = calls[k];
        const name = stringAt(call, "name");
        if (name === null || name!.length == 0) return path + ".functionCall.name: is required";
        const args = member(call, "args");
        if (args !== null && args.kind != JsonKind.Object && args.kind != JsonKind.Null) return path + ".functionCall.args: must be an object";
        const given = stringAt(call, "id");
        const id = given !== null && given!.length > 0 ? given! : "call_" + (firstCall + k).toString();
        open.push(new OpenCall(name!, id));
        w.object().key("id").string(id).key("type").string("function");
        w.key("function").object().key("name").string(name!).key("arguments").string(args !== null && args.kind == JsonKind.Object ? args.toJson() : "{}").endObject();
        const sig = callSignatures[k];
        if (this.hub && sig !== null) w.key("extra_content").object().key("google").object().key("thought_signature").string(sig!).endObject().endObject();
        w.endObject();
      }
      w.endArray();
    }
    w.endObject();
    return null;
  }

  private writeGenerationConfig(w: JsonWriter, config: JsonValue, facts: TranslateFacts): string | null {
    const numbers = ["temperature", "topP", "seed", "presencePenalty", "frequencyPenalty"];
    const names = ["temperature", "top_p", "seed", "presence_penalty", "frequency_penalty"];
    for (let i = 0; i < numbers.length; i++) {
      const v = numberAt(config, numbers[i]);
      if (v !== null) w.key(names[i]).rawValue(v.text);
    }
    // topK: Anthropic has it (the hub carries it there); OpenAI's chat has not.
    const topK = numberAt(config, "topK");
    if (topK !== null && this.hub) w.key("top_k").rawValue(topK.text);
    const limit = numberAt(config, "maxOutputTokens");
    if (limit !== null) {
      if (!limit.isInteger() || limit.numberValue < 1) return "generationConfig.maxOutputTokens: must be a positive integer";
      w.key(facts.maxTokensField).rawValue(limit.text);
    }
    const stops = arrayAt(config, "stopSequences");
    if (stops !== null && stops.items.length > 0) w.key("stop").value(stops);
    const count = integerAt(config, "candidateCount", 1);
    if (count != 1) {
      // Only OpenAI's own chat takes n; one candidate is what every other backend writes.
      if (this.hub || this.op == Operation.GeminiStream || count < 1) return "generationConfig.candidateCount: must be 1 for this backend";
      w.key("n").number(count);
    }
    const logprobs = member(config, "responseLogprobs");
    if (logprobs !== null && logprobs.kind == JsonKind.Bool && logprobs.boolValue) return "generationConfig.responseLogprobs: not translated";
    // thinkingConfig by the budget <-> effort table (reasoning.ts); an exact budget rides the hub.
    const thinking = objectAt(config, "thinkingConfig");
    if (thinking !== null) {
      const r = new Reasoning();
      readGeminiThinking(thinking!, r);
      writeChatReasoning(r, w, this.hub, facts.model);
    }
    const modalities = arrayAt(config, "responseModalities");
    if (modalities !== null) {
      for (let i = 0; i < modalities.items.length; i++) {
        const m = modalities.items[i];
        if (m.kind != JsonKind.String || m.text != "TEXT") return "generationConfig.responseModalities: TEXT only for this backend";
      }
    }
    return writeResponseFormat(w, config);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const r = parseAnswer(body, true);
    if (r === null) return null;
    const choices = arrayAt(r, "choices");
    if (choices === null) return null;
    const usage = objectAt(r, "usage");
    if (usage !== null) readUsage(WireApi.OpenAI, usage!, this.usage);
    const model = stringAt(r, "model");
    if (model !== null) this.usage.responseModel = model!;
    const w = new JsonWriter(body.byteLength + 256);
    w.object().key("candidates").array();
    for (let i = 0; i < choices.items.length; i++) {
      const choice = choices.items[i];
      const message = objectAt(choice, "message");
      if (message === null) return null;
      w.object().key("content").object().key("role").string("model").key("parts").array();
      const reasoning = stringAt(message!, "reasoning_content");
      if (reasoning !== null && reasoning!.length > 0) writeThought(w, reasoning!, stringAt(message!, "reasoning_signature"));
      const text = stringAt(message!, "content");
      let parts = 0;
      if (text !== null && text!.length > 0) { w.object().key("text").string(text!).endObject(); parts++; }
      const calls = arrayAt(message!, "tool_calls");
      if (calls !== null) {
        for (let k = 0; k < calls.items.length; k++) {
          const call = calls.items[k];
          const fn = objectAt(call, "function");
          if (fn === null) return null;
          const args = stringAt(fn!, "arguments");
          if (!writeCall(w, stringAt(call, "id"), stringAt(fn!, "name"), args !== null ? args! : "", signatureOf(call))) return null;
          parts++;
        }
      }
      if (parts == 0 && (reasoning === null || reasoning!.length == 0)) w.object().key("text").string("").endObject();
      w.endArray().endObject();
      w.key("finishReason").string(TO_GEMINI.of(stringAt(choice, "finish_reason"))).key("index").number(integerAt(choice, "index", i)).endObject();
    }
    w.endArray();
    this.writeUsageMetadata(w);
    w.key("modelVersion").string(model !== null ? model! : this.model);
    const id = stringAt(r, "id");
    if (id !== null) w.key("responseId").string(id!);
    w.endObject();
    return w.toBuffer();
  }

  event(event: SseEvent, out: JsonWriter): void {
    if (this.finished) return;
    if (event.dataIs("[DONE]")) { this.close(out); return; }
    const parsed = parseJson(event.text(), MAX_ANSWER_VALUES);
    if (parsed.value === null || parsed.value!.kind != JsonKind.Object) { this.fail(out, "the provider sent a stream chunk that is not JSON"); return; }
    const chunk = parsed.value!;
    const error = chunkError(chunk);
    if (error !== null) { this.fail(out, error!); return; }
    if (!this.started) {
      this.started = true;
      const id = stringAt(chunk, "id");
      if (id !== null) this.responseId = id!;
      const model = stringAt(chunk, "model");
      if (model !== null) { this.model = model!; this.usage.responseModel = model!; }
    }
    const usage = objectAt(chunk, "usage");
    if (usage !== null) readUsage(WireApi.OpenAI, usage!, this.usage);
    const choice = firstChoice(chunk);
    if (choice === null) return;
    const delta = objectAt(choice, "delta");
    if (delta !== null) {
      const reasoning = stringAt(delta!, "reasoning_content");
      const signature = stringAt(delta!, "reasoning_signature");
      if (reasoning !== null && reasoning!.length > 0 || signature !== null) {
        this.eventOpen(out);
        writeThought(out, reasoning !== null ? reasoning! : "", signature);
        this.eventClose(out, null);
      }
      const text = stringAt(delta!, "content");
      if (text !== null && text!.length > 0) {
        this.eventOpen(out);
        out.object().key("text").string(text!).endObject();
        this.eventClose(out, null);
      }
      const calls = arrayAt(delta!, "tool_calls");
      if (calls !== null && !this.gather(calls!)) { this.fail(out, "the provider streamed more tool call arguments than llm-mesh holds (" + (MAX_STREAMED_ARGS >> 20).toString() + " MiB)"); return; }
    }
    const finish = stringAt(choice, "finish_reason");
    if (finish !== null) this.finishReason = finish;
  }

  endStream(out: JsonWriter): void {
    if (this.finished) return;
    // Some OpenAI-compatible servers end without [DONE]; a finish_reason seen means the answer is whole.
    if (this.finishReason !== null) this.close(out);
    else this.fail(out, "the provider's stream ended before the answer was complete");
  }

  abort(out: JsonWriter, message: string): void { if (!this.finished) this.fail(out, message); }

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    return new ClientError(status, errorBodyFor(WireApi.Gemini, status, "", null, info !== null ? info.message : fallback));
  }

  /** Adds a chunk's tool call deltas to the calls gathered so far; false past the bound. */
  private gather(calls: JsonValue): bool {
    for (let i = 0; i < calls.items.length; i++) {
      const d = calls.items[i];
      const index = <i32>integerAt(d, "index", this.calls.length > 0 ? this.calls.length - 1 : 0);
      if (index < 0 || index > 1024) continue;
      while (this.calls.length <= index) this.calls.push(new StreamedCall());
      const call = this.calls[index];
      const id = stringAt(d, "id");
      if (id !== null) call.id = id!;
      const signature = signatureOf(d);
      if (signature !== null) call.signature = signature;
      const fn = objectAt(d, "function");
      if (fn === null) continue;
      const name = stringAt(fn!, "name");
      if (name !== null && name!.length > 0) call.name = name!;
      const args = stringAt(fn!, "arguments");
      if (args !== null && args!.length > 0) {
        this.argBytes += args!.length;
        if (this.argBytes > MAX_STREAMED_ARGS) return false;
        call.args.push(args!);
      }
    }
    return true;
  }

  /** The answer's last event: the gathered function calls, the finish reason and the usage. */
  private close(out: JsonWriter): void {
    // Checked before the event is begun: a call that cannot be written ends the stream with an error instead.
    for (let i = 0; i < this.calls.length; i++) {
      if (!argsAreObject(this.calls[i].args.join(""))) { this.fail(out, "the provider streamed tool call arguments that are not a JSON object"); return; }
    }
    this.eventOpen(out);
    let parts = 0;
    for (let i = 0; i < this.calls.length; i++) {
      const call = this.calls[i];
      if (call.name.length == 0) continue;
      writeCall(out, call.id.length > 0 ? call.id : null, call.name, call.args.join(""), call.signature);
      parts++;
    }
    if (parts == 0) out.object().key("text").string("").endObject();
    this.eventClose(out, TO_GEMINI.of(this.finishReason !== null ? this.finishReason : "stop"));
    this.finished = true;
    this.usage.streamEnded = true;
  }

  /** Starts an event up to its parts array: data: {"candidates":[{"content":{"role":"model","parts":[ */
  private eventOpen(out: JsonWriter): void {
    out.raw("data: ");
    out.object().key("candidates").array().object().key("content").object().key("role").string("model").key("parts").array();
  }

  /** Ends an event; the last one carries the finish reason and the usage. */
  private eventClose(out: JsonWriter, finishReason: string | null): void {
    out.endArray().endObject();
    if (finishReason !== null) out.key("finishReason").string(finishReason!);
    out.key("index").number(0).endObject().endArray();
    if (finishReason !== null) this.writeUsageMetadata(out);
    out.key("modelVersion").string(this.model);
    if (this.responseId.length > 0) out.key("responseId").string(this.responseId);
    out.endObject();
    out.raw("\n\n");
  }

  /** usageMetadata from the hub's figures: candidates exclude thoughts, as Gemini counts them. */
  private writeUsageMetadata(w: JsonWriter): void {
    const u = this.usage;
    w.key("usageMetadata").object().key("promptTokenCount").number(u.input).key("candidatesTokenCount").number(max<i64>(u.output - u.reasoning, 0));
    if (u.cachedInput > 0) w.key("cachedContentTokenCount").number(u.cachedInput);
    if (u.reasoning > 0) w.key("thoughtsTokenCount").number(u.reasoning);
    w.key("totalTokenCount").number(u.input + u.output).endObject();
  }

  /** An error ends the stream, as Google writes one: a data event holding the error object (the SDK raises on it). */
  private fail(out: JsonWriter, message: string): void {
    out.raw("data: ").raw(errorBodyFor(WireApi.Gemini, 500, "", null, redactSecrets(message, this.secrets))).raw("\n\n");
    this.finished = true;
  }
}

/** A thought part: {"text":…,"thought":true}, with its signature when the backend gave one. */
function writeThought(w: JsonWriter, text: string, signature: string | null): void {
  w.object().key("text").string(text).key("thought").boolean(true);
  if (signature !== null) w.key("thoughtSignature").string(signature!);
  w.endObject();
}

/** True for tool call arguments writeCall takes: empty, or a JSON object. */
function argsAreObject(args: string): bool {
  if (args.trim().length == 0) return true;
  const parsed = parseJson(args, MAX_ANSWER_VALUES).value;
  return parsed !== null && parsed!.kind == JsonKind.Object;
}

/** A chat tool call as a functionCall part; false when its arguments are not a JSON object. */
function writeCall(w: JsonWriter, id: string | null, name: string | null, args: string, signature: string | null): bool {
  let parsed: JsonValue | null = null;
  if (args.trim().length > 0) {
    parsed = parseJson(args, MAX_ANSWER_VALUES).value;
    if (parsed === null || parsed!.kind != JsonKind.Object) return false;
  }
  w.object().key("functionCall").object();
  if (id !== null) w.key("id").string(id!);
  w.key("name").string(name !== null ? name! : "").key("args");
  if (parsed !== null) w.value(parsed!); else w.rawValue("{}");
  w.endObject();
  if (signature !== null) w.key("thoughtSignature").string(signature!);
  w.endObject();
  return true;
}

/** A tool call's Gemini thought signature in the hub (extra_content.google.thought_signature). */
function signatureOf(call: JsonValue): string | null {
  const extra = objectAt(call, "extra_content");
  const google = extra !== null ? objectAt(extra!, "google") : null;
  return google !== null ? stringAt(google!, "thought_signature") : null;
}

/** systemInstruction's text: a Content's text parts joined, or a bare string; null when a part is not text. */
function systemText(system: JsonValue): string | null {
  if (system.kind == JsonKind.String) return system.text;
  const parts = arrayAt(system, "parts");
  if (parts === null) return null;
  return joinedTexts(parts, "\n");
}

/**
 * A user turn: its functionResponses first, as tool messages answering the open calls, then its
 * other parts as one user message (text, and images inline as data URLs).
 */
function writeUserTurn(w: JsonWriter, parts: JsonValue, path: string, open: Array<OpenCall>): string | null {
  let others = 0;
  for (let j = 0; j < parts.items.length; j++) {
    const p = parts.items[j];
    const reply = objectAt(p, "functionResponse");
    if (reply === null) { others++; continue; }
    const partPath = path + ".parts[" + j.toString() + "].functionResponse";
    const name = stringAt(reply!, "name");
    if (name === null) return partPath + ".name: is required";
    const response = objectAt(reply!, "response");
    if (response === null) return partPath + ".response: must be an object";
    const call = answeredCall(open, stringAt(reply!, "id"), name!);
    if (call === null) return partPath + ": \"" + name! + "\" answers no open functionCall of the model turn before it";
    call.answered = true;
    w.object().key("role").string("tool").key("tool_call_id").string(call.id).key("content").string(response!.toJson()).endObject();
  }
  if (others == 0) return null;
  w.object().key("role").string("user").key("content").array();
  for (let j = 0; j < parts.items.length; j++) {
    const p = parts.items[j];
    if (objectAt(p, "functionResponse") !== null) continue;
    const partPath = path + ".parts[" + j.toString() + "]";
    const text = stringAt(p, "text");
    if (text !== null) {
      const thought = member(p, "thought");
      if (thought !== null && thought.kind == JsonKind.Bool && thought.boolValue) continue;
      w.object().key("type").string("text").key("text").string(text!).endObject();
      continue;
    }
    const data = objectAt(p, "inlineData");
    if (data !== null) {
      const mime = stringAt(data!, "mimeType");
      const bytes = stringAt(data!, "data");
      if (mime === null || bytes === null) return partPath + ".inlineData: needs mimeType and data";
      if (!mime!.startsWith("image/")) return partPath + ".inlineData: image/* only for this backend";
      w.object().key("type").string("image_url").key("image_url").object().key("url").string("data:" + mime! + ";base64," + bytes!).endObject().endObject();
      continue;
    }
    if (has(p, "fileData")) return partPath + ".fileData: this backend cannot fetch it; send inlineData";
    return partPath + ": not a text, inlineData or functionResponse part";
  }
  w.endArray().endObject();
  return null;
}

/** The open call a functionResponse answers: the one its id names, else the earliest unanswered call of its name. */
function answeredCall(open: Array<OpenCall>, id: string | null, name: string): OpenCall | null {
  for (let i = 0; i < open.length; i++) {
    const c = open[i];
    if (c.answered || c.name != name) continue;
    if (id === null || id!.length == 0 || c.id == id!) return c;
  }
  return null;
}

/** Gemini's hosted tools (a Tool's members besides functionDeclarations), as x-llm-mesh-dropped-tools names them. */
const HOSTED = ["googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext", "fileSearch", "googleMaps", "computerUse", "enterpriseWebSearch", "retrieval", "mcpServers"];

/** tools and toolConfig as chat's tools and tool_choice; hosted tools dropped (or refused: hostedTools "refuse"). */
function writeTools(w: JsonWriter, body: JsonValue, facts: TranslateFacts, dropped: Array<string>): string | null {
  const tools = arrayAt(body, "tools");
  const config = objectAt(body, "toolConfig");
  const calling = config !== null ? objectAt(config!, "functionCallingConfig") : null;
  const mode = calling !== null ? stringAt(calling!, "mode") : null;
  const allowed = calling !== null ? arrayAt(calling!, "allowedFunctionNames") : null;
  const only = new Array<string>();
  if (allowed !== null) for (let i = 0; i < allowed.items.length; i++) if (allowed.items[i].kind == JsonKind.String) only.push(allowed.items[i].text);
  const restrict = mode !== null && mode! == "ANY" && only.length > 0;
  if (tools === null || tools.items.length == 0) return null;
  let written = 0;
  let searched = false;
  const toolsOut = new JsonWriter(1024);
  toolsOut.array();
  for (let i = 0; i < tools.items.length; i++) {
    const t = tools.items[i];
    if (t.kind != JsonKind.Object) return "tools[" + i.toString() + "]: must be an object";
    for (let k = 0; k < t.keys.length; k++) {
      const key = t.keys[k];
      if (key == "functionDeclarations") continue;
      // Google Search is a web search: chat's web_search_options where the chat request can carry it (web-search.ts).
      if (key == "googleSearch" && (facts.hub || takesWebSearchOptions(facts.model))) {
        const v = t.items[k];
        if (v.kind != JsonKind.Object) return "tools[" + i.toString() + "].googleSearch: must be an object";
        if (!searched) writeWebSearchOptions(w, new WebSearch(), facts.hub);
        searched = true;
        continue;
      }
      if (facts.refuseHostedTools) return "tools[" + i.toString() + "]." + (HOSTED.includes(key) ? key : "?") + ": no such tool here (the route refuses hosted tools)";
      const name = HOSTED.includes(key) ? key : "unknown";
      if (!dropped.includes(name)) dropped.push(name);
    }
    const declarations = arrayAt(t, "functionDeclarations");
    if (declarations === null) continue;
    for (let j = 0; j < declarations.items.length; j++) {
      const f = declarations.items[j];
      const path = "tools[" + i.toString() + "].functionDeclarations[" + j.toString() + "]";
      const name = stringAt(f, "name");
      if (name === null || name!.length == 0) return path + ".name: is required";
      if (restrict && !only.includes(name!)) continue;
      toolsOut.object().key("type").string("function").key("function").object().key("name").string(name!);
      const description = stringAt(f, "description");
      if (description !== null) toolsOut.key("description").string(description!);
      toolsOut.key("parameters");
      const schema = objectAt(f, "parametersJsonSchema");
      const openApi = objectAt(f, "parameters");
      if (schema !== null) toolsOut.value(schema!);
      else if (openApi !== null) writeOpenApiSchema(toolsOut, openApi!);
      else toolsOut.rawValue("{\"type\":\"object\",\"properties\":{}}");
      toolsOut.endObject().endObject();
      written++;
    }
  }
  toolsOut.endArray();
  if (written == 0) return null;
  w.key("tools").rawBytes(toolsOut.toBuffer());
  if (mode === null || mode! == "AUTO" || mode! == "VALIDATED" || mode! == "MODE_UNSPECIFIED") return null;
  if (mode! == "NONE") { w.key("tool_choice").string("none"); return null; }
  if (mode! != "ANY") return "toolConfig.functionCallingConfig.mode: must be AUTO, ANY, NONE or VALIDATED";
  if (only.length == 1) w.key("tool_choice").object().key("type").string("function").key("function").object().key("name").string(only[0]).endObject().endObject();
  else w.key("tool_choice").string("required");
  return null;
}

/**
 * responseMimeType and its schema as chat's response_format (which the translators toward other
 * APIs read with structured-output.ts): JSON with a schema, JSON without one, or text.
 */
function writeResponseFormat(w: JsonWriter, config: JsonValue): string | null {
  const mime = stringAt(config, "responseMimeType");
  const jsonSchema = objectAt(config, "responseJsonSchema");
  const openApi = objectAt(config, "responseSchema");
  if (jsonSchema !== null && openApi !== null) return "generationConfig: give responseJsonSchema or responseSchema, not both";
  const wantsJson = mime !== null && mime! == "application/json";
  if (mime !== null && !wantsJson && mime! != "text/plain") return "generationConfig.responseMimeType: text/plain or application/json only";
  if (jsonSchema === null && openApi === null) {
    if (wantsJson) w.key("response_format").object().key("type").string("json_object").endObject();
    return null;
  }
  if (!wantsJson) return "generationConfig.responseMimeType: a response schema needs application/json";
  w.key("response_format").object().key("type").string("json_schema").key("json_schema").object().key("name").string("response").key("schema");
  if (jsonSchema !== null) w.value(jsonSchema!); else writeOpenApiSchema(w, openApi!);
  w.endObject().endObject();
  return null;
}

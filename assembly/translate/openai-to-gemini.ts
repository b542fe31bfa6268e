// An OpenAI Chat Completions client, a Gemini backend.
//   request:  https://platform.openai.com/docs/api-reference/chat/create
//          -> https://ai.google.dev/api/generate-content (contents, systemInstruction, generationConfig, tools, toolConfig)
//   response: GenerateContentResponse -> chat.completion; its SSE stream (one GenerateContentResponse
//             per event, no terminator) -> chat.completion.chunk events and [DONE].
// Gemini's function calls carry no ids (or optional ones): llm-mesh names them call_<n> and maps a
// tool message back to its function by the id the assistant turn gave it.
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { OutputKind, readResponseFormat } from "./structured-output";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { CALL, PART, TOOL, includesUsage, readPart, readToolCall, streams, tokenLimitOf, writeFunctionTools } from "./chat-request";
import { MessageWriter, TurnWriter, writeUserTurn } from "./turns";
import { DataUrl, arrayAt, has, integerAt, member, numberAt, objectAt, stringAt } from "../json/members";
import { readUsage } from "../usage/read";
import { SseEvent } from "../stream/sse";
import { ClientError, TranslateFacts, TranslatedRequest, parseAnswer } from "./translator";
import { WireApi } from "../api";
import { ToOpenAIChat } from "./to-openai-chat";
import { readHubSearch, writeGroundingAnnotations } from "./web-search";
import { Reasoning, callSignature, readChatReasoning, withSignature, writeCallSignature, writeGeminiThinking } from "./reasoning";
import { FROM_GEMINI } from "./finish-reasons";

/** Gemini's finishReason as an OpenAI finish_reason: tool_calls when the answer called a tool (Gemini says STOP). */
function finishReasonOfGemini(reason: string | null, calledTools: bool): string {
  return calledTools ? "tool_calls" : FROM_GEMINI.of(reason);
}

/** The messages as Gemini contents and systemInstruction parts. */
class GeminiMessages extends MessageWriter {
  /** Function names by the call id the assistant turn gave them, for the tool messages after it. */
  private callNames: Map<string, string> = new Map<string, string>();
  constructor() { super("parts"); }

  system(m: JsonValue, path: string): string | null {
    const texts = textParts(m, path);
    if (texts === null) return path + ".content: a system message holds text only";
    for (let t = 0; t < texts.length; t++) { this.systemBlocks.object().key("text").string(texts[t]).endObject(); this.systemCount++; }
    return null;
  }
  user(m: JsonValue, path: string): string | null { return writeUserTurn(m, path, this.turns, writePart); }
  assistant(m: JsonValue, path: string): string | null { return writeAssistant(m, path, this.turns, this.callNames); }
  tool(m: JsonValue, path: string): string | null { return writeToolResult(m, path, this.turns, this.callNames); }
}

export class OpenAIToGemini extends ToOpenAIChat {
  // Stream state.
  private started: bool = false;
  private toolCount: i32 = 0;
  private finishReason: string | null = null;

  constructor() { super(WireApi.Gemini); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    this.takeFacts(facts);
    const conversation = new GeminiMessages();
    const messagesProblem = conversation.write(body, "a Gemini backend");
    if (messagesProblem !== null) return TranslatedRequest.refused(messagesProblem!);

    const w = new JsonWriter(1024);
    w.object().key("contents").rawBytes(conversation.turnBytes);
    if (conversation.systemCount > 0) w.key("systemInstruction").object().key("parts").rawBytes(conversation.systemBlocks.toBuffer()).endObject();

    const tools = arrayAt(body, "tools");
    if (tools !== null && tools.items.length > 0) {
      w.key("tools").array().object().key("functionDeclarations").array();
      const toolProblem = writeFunctionTools(tools, w, writeFunctionDeclaration);
      if (toolProblem !== null) return TranslatedRequest.refused(toolProblem!);
      w.endArray().endObject().endArray();
      const choice = member(body, "tool_choice");
      if (choice !== null && choice.kind != JsonKind.Null) {
        let mode = "AUTO";
        let only: string | null = null;
        if (choice.kind == JsonKind.String) {
          if (choice.text == "none") mode = "NONE";
          else if (choice.text == "required") mode = "ANY";
          else if (choice.text != "auto") return TranslatedRequest.refused("tool_choice: must be none, auto, required or a function");
        } else {
          const fn = objectAt(choice, "function");
          only = fn !== null ? stringAt(fn, "name") : null;
          if (only === null) return TranslatedRequest.refused("tool_choice.function.name: is required");
          mode = "ANY";
        }
        w.key("toolConfig").object().key("functionCallingConfig").object().key("mode").string(mode);
        if (only !== null) w.key("allowedFunctionNames").array().string(only!).endArray();
        w.endObject().endObject();
      }
    }

    // web_search_options is Google Search; Gemini refuses it beside function calling on most models, so then the route's hostedTools rule.
    const dropped = new Array<string>();
    const search = readHubSearch(body);
    if (search.problem !== null) return TranslatedRequest.refused(search.problem!);
    if (search.search !== null) {
      if (tools === null || tools.items.length == 0) w.key("tools").rawValue("[{\"googleSearch\":{}}]");
      else if (facts.refuseHostedTools) return TranslatedRequest.refused("web_search_options: a Gemini backend does not search the web in a request with function tools (the route's hostedTools is \"refuse\")");
      else dropped.push("web_search");
    }

    w.key("generationConfig").object();
    const limit = tokenLimitOf(body);
    if (limit !== null) {
      if (!limit.isInteger() || limit.numberValue < 1) return TranslatedRequest.refused("max_tokens: must be a positive integer");
      w.key("maxOutputTokens").rawValue(limit.text);
    }
    const fields = ["temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "n"];
    const names = ["temperature", "topP", "presencePenalty", "frequencyPenalty", "seed", "candidateCount"];
    for (let i = 0; i < fields.length; i++) {
      const v = numberAt(body, fields[i]);
      if (v !== null) w.key(names[i]).rawValue(v.text);
    }
    const n = numberAt(body, "n");
    if (n !== null && n.numberValue != 1) return TranslatedRequest.refused("n: llm-mesh translates one Gemini candidate; n must be 1");
    const stop = member(body, "stop");
    if (stop !== null && stop.kind == JsonKind.String) w.key("stopSequences").array().string(stop.text).endArray();
    else if (stop !== null && stop.kind == JsonKind.Array) w.key("stopSequences").value(stop);
    const format = readResponseFormat(body);
    if (format.error !== null) return TranslatedRequest.refused(format.error!);
    // responseJsonSchema takes JSON Schema as is (responseSchema would need the OpenAPI subset).
    if (format.kind != OutputKind.Text) w.key("responseMimeType").string("application/json");
    if (format.kind == OutputKind.JsonSchema) w.key("responseJsonSchema").value(format.schema!);
    if (has(body, "logprobs") && member(body, "logprobs")!.kind == JsonKind.Bool && member(body, "logprobs")!.boolValue) {
      return TranslatedRequest.refused("logprobs: llm-mesh does not translate Gemini's log probabilities");
    }
    const reasoning = new Reasoning();
    const reasoningProblem = readChatReasoning(body, reasoning);
    if (reasoningProblem !== null) return TranslatedRequest.refused(reasoningProblem!);
    writeGeminiThinking(reasoning, facts.model, w);
    w.endObject();
    w.endObject();
    const streaming = streams(body);
    if (streaming) this.includeUsage = includesUsage(body);
    return TranslatedRequest.of(w, streaming, dropped);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const r = parseAnswer(body, true);
    if (r === null) return null;
    if (member(r, "candidates") === null && member(r, "promptFeedback") === null) return null;
    this.readUsage(r);
    const w = new JsonWriter(body.byteLength + 256);
    const id = stringAt(r, "responseId");
    w.object().key("id").string(id !== null ? "chatcmpl-" + id! : "chatcmpl-gemini").key("object").string("chat.completion").key("created").number(this.created);
    w.key("model").string(this.modelOf(r));
    this.messageOpen(w);
    const candidate = firstCandidate(r);
    const parts = candidate !== null ? partsOf(candidate!) : null;
    // Parts joined once at the end: += per part would copy the text so far each time (quadratic).
    const texts = new Array<string>();
    const thoughts = new Array<string>();
    let calls = 0;
    if (parts !== null) {
      for (let i = 0; i < parts.items.length; i++) {
        const p = parts.items[i];
        const t = stringAt(p, "text");
        if (t !== null && !isThought(p)) texts.push(t!);
        else if (t !== null) thoughts.push(t!);
        if (objectAt(p, "functionCall") !== null) calls++;
      }
    }
    const text = texts.join("");
    w.key("content");
    if (calls > 0 && text.length == 0) w.nil(); else w.string(text);
    w.key("refusal").nil();
    // Thought summaries (includeThoughts) as the hub's reasoning_content; Gemini signs no thought part.
    if (thoughts.length > 0) w.key("reasoning_content").string(thoughts.join(""));
    // Google Search's sources (groundingMetadata) as url_citation annotations.
    if (candidate !== null) writeGroundingAnnotations(w, candidate!, text);
    if (calls > 0) {
      w.key("tool_calls").array();
      let index = 0;
      for (let i = 0; i < parts!.items.length; i++) {
        const call = objectAt(parts!.items[i], "functionCall");
        if (call === null) continue;
        writeToolCall(w, call!, stringAt(parts!.items[i], "thoughtSignature"), index++, false);
      }
      w.endArray();
    }
    return this.answerClose(w, this.finishOf(r, candidate, calls > 0));
  }

  event(event: SseEvent, out: JsonWriter): void {
    if (this.finished) return;
    const parsed = parseJson(event.text(), MAX_ANSWER_VALUES);
    if (parsed.value === null || parsed.value!.kind != JsonKind.Object) { this.fail(out, "the provider sent a stream event that is not JSON"); return; }
    const r = parsed.value!;
    const error = objectAt(r, "error");
    if (error !== null) {
      const message = stringAt(error!, "message");
      this.fail(out, message !== null ? message! : "the provider reported an error mid-stream");
      return;
    }
    this.readUsage(r);
    if (!this.started) {
      this.started = true;
      const id = stringAt(r, "responseId");
      this.id = id !== null ? "chatcmpl-" + id! : "chatcmpl-gemini";
      const model = stringAt(r, "modelVersion");
      if (model !== null) { this.model = model!; this.usage.responseModel = model!; }
      this.roleChunk(out);
    }
    const candidate = firstCandidate(r);
    const parts = candidate !== null ? partsOf(candidate!) : null;
    if (parts !== null) {
      for (let i = 0; i < parts.items.length; i++) {
        const p = parts.items[i];
        const t = stringAt(p, "text");
        if (t !== null && t!.length > 0) {
          this.chunkOpen(out);
          out.key(isThought(p) ? "reasoning_content" : "content").string(t!);
          this.chunkClose(out, null);
        }
        const call = objectAt(p, "functionCall");
        if (call !== null) {
          // Gemini sends each call whole: one delta carries its id, name and all its arguments.
          this.chunkOpen(out);
          out.key("tool_calls").array();
          writeToolCall(out, call!, stringAt(p, "thoughtSignature"), this.toolCount++, true);
          out.endArray();
          this.chunkClose(out, null);
        }
      }
    }
    if (candidate !== null && objectAt(candidate!, "groundingMetadata") !== null) {
      // Search sources come with the stream's last pieces: one chunk of annotations (offsets as Gemini counts them).
      this.chunkOpen(out);
      writeGroundingAnnotations(out, candidate!, null);
      this.chunkClose(out, null);
    }
    const reason = candidate !== null ? stringAt(candidate!, "finishReason") : null;
    const blocked = objectAt(r, "promptFeedback") !== null && stringAt(objectAt(r, "promptFeedback")!, "blockReason") !== null;
    if (reason !== null || blocked) {
      this.finishReason = blocked ? "content_filter" : finishReasonOfGemini(reason, this.toolCount > 0);
      this.chunkOpen(out);
      this.chunkClose(out, this.finishReason);
    }
  }

  endStream(out: JsonWriter): void {
    if (this.finished) return;
    // Gemini's stream has no terminator: it is whole when a finish reason came before the end.
    if (this.finishReason === null) { this.fail(out, "the provider's stream ended before the answer was complete"); return; }
    this.done(out);
  }

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    if (info === null) return new ClientError(status, errorBodyFor(WireApi.OpenAI, status, "", "provider_error", fallback));
    return new ClientError(status, errorBodyFor(WireApi.OpenAI, status, "", null, info.message));
  }

  private modelOf(r: JsonValue): string {
    const v = stringAt(r, "modelVersion");
    if (v !== null) this.usage.responseModel = v!;
    return v !== null ? v! : this.model;
  }

  private finishOf(r: JsonValue, candidate: JsonValue | null, calledTools: bool): string {
    const feedback = objectAt(r, "promptFeedback");
    if (candidate === null && feedback !== null && stringAt(feedback!, "blockReason") !== null) return "content_filter";
    return finishReasonOfGemini(candidate !== null ? stringAt(candidate!, "finishReason") : null, calledTools);
  }

  /** usageMetadata: reasoning ("thoughts") tokens count as output, as OpenAI counts them. */
  private readUsage(r: JsonValue): void {
    const usage = objectAt(r, "usageMetadata");
    if (usage !== null) readUsage(WireApi.Gemini, usage!, this.usage);
  }

}

function firstCandidate(r: JsonValue): JsonValue | null {
  const candidates = arrayAt(r, "candidates");
  return candidates !== null && candidates.items.length > 0 ? candidates.items[0] : null;
}

function partsOf(candidate: JsonValue): JsonValue | null {
  const content = objectAt(candidate, "content");
  return content !== null ? arrayAt(content!, "parts") : null;
}

/** A thought summary part (thought: true). */
function isThought(part: JsonValue): bool {
  const thought = member(part, "thought");
  return thought !== null && thought.kind == JsonKind.Bool && thought.boolValue;
}

/**
 * A Gemini functionCall as an OpenAI tool call (ids: Gemini's own when it gives one, else
 * call_<index>); its thought signature, which Gemini wants back with the call, in extra_content.
 */
function writeToolCall(w: JsonWriter, call: JsonValue, signature: string | null, index: i32, inStream: bool): void {
  const id = stringAt(call, "id");
  const name = stringAt(call, "name");
  const args = member(call, "args");
  w.object();
  if (inStream) w.key("index").number(index);
  const callId = id !== null ? id! : "call_" + index.toString();
  w.key("id").string(signature !== null ? withSignature(callId, signature!) : callId).key("type").string("function");
  w.key("function").object().key("name").string(name !== null ? name! : "").key("arguments").string(args !== null ? args.toJson() : "{}").endObject();
  if (signature !== null) writeCallSignature(w, signature!);
  w.endObject();
}

/** The text of a message whose content is a string or text parts; null when a part is not text. */
function textParts(m: JsonValue, path: string): Array<string> | null {
  const out = new Array<string>();
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String) { if (content.text.length > 0) out.push(content.text); return out; }
  if (content === null || content.kind != JsonKind.Array) return null;
  for (let i = 0; i < content.items.length; i++) {
    const t = stringAt(content.items[i], "text");
    if (t === null) return null;
    if (t!.length > 0) out.push(t!);
  }
  return out;
}

/** A function tool (TOOL) as a Gemini functionDeclaration. */
function writeFunctionDeclaration(tool: JsonValue, w: JsonWriter): void {
  TOOL.writeHead(w);
  // JSON Schema as the client wrote it (Gemini's `parameters` takes only an OpenAPI subset).
  if (TOOL.parameters !== null) w.key("parametersJsonSchema").value(TOOL.parameters!);
  w.endObject();
}

/** An OpenAI content part as a Gemini part: text, or an image as inline data (Gemini fetches no URLs). */
function writePart(part: JsonValue, out: JsonWriter, path: string): string | null {
  const problem = readPart(part, path, "a Gemini backend");
  if (problem !== null) return problem;
  if (PART.isText) {
    out.object().key("text").string(PART.text).endObject();
    return null;
  }
  if (PART.url === null) return path + ".image_url.url: is required";
  const data = DataUrl.parse(PART.url!);
  if (data === null) return path + ".image_url.url: a Gemini backend takes images inline: use a data URL (data:image/png;base64,…)";
  out.object().key("inlineData").object().key("mimeType").string(data.mediaType).key("data").string(data.data).endObject().endObject();
  return null;
}

function writeAssistant(m: JsonValue, path: string, contents: TurnWriter, callNames: Map<string, string>): string | null {
  const texts = member(m, "content") === null || member(m, "content")!.kind == JsonKind.Null ? new Array<string>() : textParts(m, path);
  if (texts === null) return path + ".content: an assistant message holds text only";
  for (let i = 0; i < texts.length; i++) contents.block("model").object().key("text").string(texts[i]).endObject();
  const calls = arrayAt(m, "tool_calls");
  if (calls === null) return null;
  for (let i = 0; i < calls.items.length; i++) {
    const call = calls.items[i];
    const callPath = path + ".tool_calls[" + i.toString() + "]";
    const problem = readToolCall(call, callPath, "Gemini's function args");
    if (problem !== null) return problem;
    callNames.set(CALL.id, CALL.name);
    const out = contents.block("model");
    out.object().key("functionCall").object().key("name").string(CALL.name).key("args");
    if (CALL.args !== null) out.value(CALL.args!); else out.rawValue("{}");
    out.endObject();
    // Gemini refuses a call sent back without the signature it was answered with (thinking models).
    const signature = callSignature(call);
    if (signature !== null) out.key("thoughtSignature").string(signature!);
    out.endObject();
  }
  return null;
}

/** A tool message as a functionResponse; its response is the JSON object the tool returned, else {"result": text}. */
function writeToolResult(m: JsonValue, path: string, contents: TurnWriter, callNames: Map<string, string>): string | null {
  const id = stringAt(m, "tool_call_id");
  if (id === null) return path + ".tool_call_id: is required";
  if (!callNames.has(id!)) return path + ".tool_call_id: \"" + id! + "\" answers no tool call of an earlier assistant message";
  const texts = textParts(m, path);
  if (texts === null) return path + ".content: a Gemini backend takes text tool results only";
  const text = texts.join("");
  const asJson = parseJson(text).value;
  const out = contents.block("user");
  out.object().key("functionResponse").object().key("name").string(callNames.get(id!)).key("response");
  if (asJson !== null && asJson!.kind == JsonKind.Object) out.value(asJson!);
  else out.object().key("result").string(text).endObject();
  out.endObject().endObject();
  return null;
}

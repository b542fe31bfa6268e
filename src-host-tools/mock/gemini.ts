// The Gemini API as the mock serves it (https://ai.google.dev/api/generate-content): the model and
// the method in the path, the key in x-goog-api-key, the request checked as the real API checks it
// (unknown fields refused, one data field per part, function calls only in model turns and each
// answered by a function response in the next turn), and answers as GenerateContentResponse JSON
// or its SSE stream (alt=sse; events end in CRLF CRLF, as Google's servers write them).
import type { IncomingMessage, ServerResponse } from "node:http";
import { SEARCHED_TEXT, checkGeminiSearchTools, geminiGrounding, geminiSearches } from "./web-search.js";
import { script, sendJson, words } from "./reply.js";
import type { MockProviderConfig } from "./provider-config.js";
import { MOCK_THOUGHT, mockSignature } from "./thinking.js";

const REQUEST_FIELDS = new Set(["contents", "tools", "toolConfig", "safetySettings", "systemInstruction", "generationConfig", "cachedContent"]);
const CONFIG_FIELDS = new Set(["stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "candidateCount", "maxOutputTokens", "temperature",
  "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "thinkingConfig", "responseModalities",
  "speechConfig", "mediaResolution", "imageConfig", "enableEnhancedCivicAnswers"]);
const PART_FIELDS = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"];

export interface GeminiRoute { model: string; stream: boolean; method: string }

const STATUS: Record<number, string> = { 400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED" };

export function geminiError(res: ServerResponse, status: number, message: string): number {
  return sendJson(res, status, { error: { code: status, message, status: STATUS[status] ?? "INTERNAL" } });
}

export function checkGeminiPath(base: string, path: string, query: URLSearchParams): GeminiRoute | string {
  const m = new RegExp(`^${base}/models/([A-Za-z0-9._-]+):(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$`).exec(path);
  if (!m) return `The requested URL ${path} was not found on this server.`;
  const stream = m[2] === "streamGenerateContent";
  if (stream && query.get("alt") !== "sse") return "llm-mesh mock: streamGenerateContent without alt=sse answers a JSON array, not the SSE the filter reads";
  return { model: m[1], stream, method: m[2] };
}

export function checkGeminiAuth(p: MockProviderConfig, headers: IncomingMessage["headers"], query: URLSearchParams): [number, string] | undefined {
  if (query.has("key")) return [400, "llm-mesh mock: the key must not be in the URL (it is logged by every proxy on the way)"];
  const key = headers["x-goog-api-key"] as string | undefined;
  if (!key) return [403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."];
  if (p.acceptedKeys && !p.acceptedKeys.includes(key)) return [400, "API key not valid. Please pass a valid API key."];
  if (headers.authorization) return [400, "llm-mesh mock: a client's Authorization header reached Gemini"];
  return undefined;
}

type Part = Record<string, unknown> & { thoughtSignature?: string; functionCall?: { name?: string }; functionResponse?: { name?: string; response?: unknown }; inlineData?: { mimeType?: string; data?: string } };
type Content = { role?: string; parts?: Part[] };

function checkContents(contents: Content[]): string | undefined {
  if (contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  let pendingCalls = 0;
  for (const [i, c] of contents.entries()) {
    if (c.role !== undefined && c.role !== "user" && c.role !== "model" && c.role !== "function") return `Please use a valid role: user, model. (contents[${i}].role: ${c.role})`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    let calls = 0;
    let responses = 0;
    for (const [j, part] of c.parts.entries()) {
      const data = PART_FIELDS.filter((f) => part[f] !== undefined);
      if (data.length !== 1) return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field`;
      if (part.functionCall) { if (c.role !== "model") return `contents[${i}]: function calls belong to model turns`; calls++; }
      if (part.functionResponse) {
        if (typeof part.functionResponse.response !== "object" || part.functionResponse.response === null || Array.isArray(part.functionResponse.response)) return `contents[${i}].parts[${j}].functionResponse.response: must be an object`;
        responses++;
      }
      if (part.inlineData && (typeof part.inlineData.data !== "string" || !part.inlineData.mimeType)) return `contents[${i}].parts[${j}].inlineData: needs mimeType and data`;
    }
    if (pendingCalls > 0 && responses !== pendingCalls) return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.";
    if (pendingCalls === 0 && responses > 0) return "Please ensure that function response turn comes immediately after a function call turn.";
    pendingCalls = calls;
  }
  return undefined;
}

/** batchEmbedContents: {requests: [{model: "models/NAME" (the path's), content: {parts}, outputDimensionality?}]}. */
function checkEmbedBody(route: GeminiRoute, b: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(b)) if (key !== "requests") return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  if (!Array.isArray(b.requests) || b.requests.length === 0) return "* BatchEmbedContentsRequest.requests: requests is not specified";
  for (const [i, r] of (b.requests as { model?: string; content?: Content; outputDimensionality?: unknown }[]).entries()) {
    if (r.model !== `models/${route.model}`) return `* BatchEmbedContentsRequest.requests[${i}].model: the model must match the model in the URL (models/${route.model})`;
    if (!Array.isArray(r.content?.parts) || r.content!.parts!.length === 0) return `* BatchEmbedContentsRequest.requests[${i}].content.parts: must not be empty`;
    if (r.outputDimensionality !== undefined && !Number.isInteger(r.outputDimensionality)) return `requests[${i}].outputDimensionality: must be an integer`;
  }
  return undefined;
}

/** embedContent: {content: {parts}, taskType?, title?, outputDimensionality?, model?}. */
function checkSingleEmbedBody(b: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(b)) if (!["model", "content", "taskType", "title", "outputDimensionality"].includes(key)) return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  const content = b.content as Content | undefined;
  if (!Array.isArray(content?.parts) || content!.parts!.length === 0) return "* EmbedContentRequest.content.parts: must not be empty";
  return undefined;
}

/** countTokens: {contents} or {generateContentRequest: {model, contents, …}} (or the proto's generate_content_request), not both. */
function checkCountBody(route: GeminiRoute, b: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(b)) if (key !== "contents" && key !== "generateContentRequest" && key !== "generate_content_request") return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  if (b.generateContentRequest !== undefined && b.generate_content_request !== undefined) return "Invalid JSON payload received. Duplicate field \"generate_content_request\"";
  const inner = (b.generateContentRequest ?? b.generate_content_request) as Record<string, unknown> | undefined;
  if (b.contents !== undefined && inner !== undefined) return "contents and generateContentRequest are mutually exclusive";
  if (inner) {
    const { model, ...request } = inner;
    if (model !== `models/${route.model}`) return "* CountTokensRequest.generate_content_request.model: must name the model in the URL";
    return checkGeminiBody({ ...route, method: "generateContent" }, request);
  }
  if (!Array.isArray(b.contents)) return "* CountTokensRequest.contents: contents is not specified";
  return checkContents(b.contents as Content[]);
}

export function checkGeminiBody(route: GeminiRoute, body: unknown): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "Invalid JSON payload received.";
  const b = body as Record<string, unknown>;
  if (route.method === "batchEmbedContents") return checkEmbedBody(route, b);
  if (route.method === "embedContent") return checkSingleEmbedBody(b);
  if (route.method === "countTokens") return checkCountBody(route, b);
  for (const key of Object.keys(b)) if (!REQUEST_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  for (const key of Object.keys((b.generationConfig ?? {}) as object)) if (!CONFIG_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'generation_config': Cannot find field.`;
  if (!Array.isArray(b.contents)) return "* GenerateContentRequest.contents: contents is not specified";
  for (const [i, t] of ((b.tools ?? []) as { functionDeclarations?: { name?: string }[] }[]).entries()) {
    for (const [j, f] of (t.functionDeclarations ?? []).entries()) {
      if (!f.name || !/^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/.test(f.name)) return `* GenerateContentRequest.tools[${i}].function_declarations[${j}].name: Invalid function name.`;
    }
  }
  const capProblem = checkOutputCap(route, (b.generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens);
  if (capProblem) return capProblem;
  const searchProblem = checkGeminiSearchTools(b.tools);
  if (searchProblem) return searchProblem;
  const thinkingProblem = checkThinkingConfig(route, (b.generationConfig as { thinkingConfig?: Record<string, unknown> } | undefined)?.thinkingConfig);
  if (thinkingProblem) return thinkingProblem;
  return checkContents(b.contents as Content[]) ?? checkThoughtSignatures(route, b.contents as Content[]);
}

/** Output limits of the models the tests name (Gemini API models page, "Output token limit"). */
const OUTPUT_LIMITS: [string, number][] = [["gemini-2.5-flash", 65536], ["gemini-2.5-pro", 65536]];

/** As Gemini refuses a cap above the model's output limit, in its own words. */
function checkOutputCap(route: GeminiRoute, cap: unknown): string | undefined {
  if (cap === undefined) return undefined;
  if (!Number.isInteger(cap)) return `Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(cap)}`;
  const limit = OUTPUT_LIMITS.find(([prefix]) => route.model.startsWith(prefix))?.[1];
  if (limit !== undefined && ((cap as number) < 1 || (cap as number) > limit)) {
    return `Unable to submit request because it has a maxOutputTokens value of ${cap} but the supported range is from 1 (inclusive) to ${limit + 1} (exclusive). Update the value and try again.`;
  }
  return undefined;
}

type ThinkingConfig = { thinkingBudget?: unknown; thinkingLevel?: unknown; includeThoughts?: unknown };

function checkThinkingConfig(route: GeminiRoute, config: ThinkingConfig | undefined): string | undefined {
  if (config === undefined) return undefined;
  for (const key of Object.keys(config)) if (!["thinkingBudget", "thinkingLevel", "includeThoughts"].includes(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'generation_config.thinking_config': Cannot find field.`;
  if (config.thinkingBudget !== undefined && config.thinkingLevel !== undefined) return "You can only set only one of thinking budget and thinking level.";
  if (config.thinkingLevel !== undefined && !isGemini3(route.model)) return "Thinking level is not supported for this model.";
  if (config.thinkingLevel !== undefined && !["minimal", "low", "medium", "high"].includes(config.thinkingLevel as string)) return `Invalid value at 'generation_config.thinking_config.thinking_level' (${String(config.thinkingLevel)})`;
  if (config.thinkingBudget !== undefined && (!Number.isInteger(config.thinkingBudget) || (config.thinkingBudget as number) < -1)) return "thinking_budget: must be an integer >= -1";
  return undefined;
}

/** Gemini 3 models think always and sign their function calls. */
function isGemini3(model: string): boolean { return model.startsWith("gemini-3"); }

/**
 * As Gemini 3 checks it (https://ai.google.dev/gemini-api/docs/thought-signatures): in the current
 * turn (after the last user text), each model step's first function call must carry the thought
 * signature it was answered with, unchanged.
 */
function checkThoughtSignatures(route: GeminiRoute, contents: Content[]): string | undefined {
  if (!isGemini3(route.model)) return undefined;
  let start = 0;
  contents.forEach((c, i) => { if (c.role !== "model" && (c.parts ?? []).some((p) => typeof p.text === "string")) start = i + 1; });
  for (const [i, c] of contents.entries()) {
    if (i < start || c.role !== "model") continue;
    const first = (c.parts ?? []).findIndex((p) => p.functionCall);
    if (first < 0) continue;
    const part = c.parts![first];
    if (part.thoughtSignature !== mockSignature("gemini", part.functionCall!.name ?? "")) {
      return part.thoughtSignature === undefined
        ? `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${part.functionCall!.name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`
        : `Corrupted thought signature. (contents[${i}].parts[${first}])`;
    }
  }
  return undefined;
}

function seenIn(contents: Content[]): { toolResults: number; images: number } {
  let toolResults = 0;
  let images = 0;
  for (const c of contents) for (const p of c.parts ?? []) { if (p.functionResponse) toolResults++; if (p.inlineData) images++; }
  return { toolResults, images };
}

export function answerGemini(res: ServerResponse, route: GeminiRoute, body: Record<string, unknown>): number {
  if (route.method === "embedContent") {
    const d = (body.outputDimensionality as number | undefined) ?? 4;
    return sendJson(res, 200, { embedding: { values: Array.from({ length: d }, (_, j) => 0.25 + j) } });
  }
  if (route.method === "countTokens") {
    // A token a word, roughly: enough for a test to see its own text was counted.
    const text = JSON.stringify(body).split(/\s+/).length;
    return sendJson(res, 200, { totalTokens: text, promptTokensDetails: [{ modality: "TEXT", tokenCount: text }] });
  }
  if (route.method === "batchEmbedContents") {
    const requests = body.requests as { outputDimensionality?: number }[];
    return sendJson(res, 200, { embeddings: requests.map((r, i) => ({ values: Array.from({ length: r.outputDimensionality ?? 4 }, (_, j) => (i + 1) * 0.25 + j) })) });
  }
  const contents = body.contents as Content[];
  const declarations = ((body.tools ?? []) as { functionDeclarations?: { name: string; parametersJsonSchema?: unknown; parameters?: unknown }[] }[])
    .flatMap((t) => t.functionDeclarations ?? []).map((f) => ({ name: f.name, schema: f.parametersJsonSchema ?? f.parameters }));
  const calling = (body.toolConfig as { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } } | undefined)?.functionCallingConfig;
  const offered = calling?.mode === "NONE" ? [] : declarations.filter((d) => !calling?.allowedFunctionNames || calling.allowedFunctionNames.includes(d.name));
  const last = contents[contents.length - 1];
  const answered = (last?.parts ?? []).some((p) => p.functionResponse);
  const plan = script("gemini", route.model, offered, answered, true, seenIn(contents));
  const thinking = (body.generationConfig as { thinkingConfig?: ThinkingConfig } | undefined)?.thinkingConfig;
  const thinks = isGemini3(route.model) || (thinking !== undefined && thinking.thinkingBudget !== 0);
  // A thinking model signs its first function call (or, without calls, its last part); thoughts are shown only when asked.
  const calls: Part[] = plan.calls.map((c, i) => ({ functionCall: { name: c.name, args: c.args }, ...(thinks && i === 0 ? { thoughtSignature: mockSignature("gemini", c.name) } : {}) }));
  const parts: Part[] = [
    ...(thinks && thinking?.includeThoughts === true ? [{ text: MOCK_THOUGHT, thought: true }] : []),
    ...(plan.text ? [{ text: plan.text }] : calls),
  ];
  // candidatesTokenCount leaves the thoughts out; thoughtsTokenCount counts them.
  const usageMetadata = { promptTokenCount: 8, candidatesTokenCount: 5, totalTokenCount: thinks ? 20 : 13, ...(thinks ? { thoughtsTokenCount: 7 } : {}) };
  const common = { modelVersion: route.model, responseId: "mockresp1" };
  // Grounded in Google Search: the searched text, and its sources in groundingMetadata (in a stream, on the last chunk).
  const searched = geminiSearches(body.tools);
  if (searched) parts.splice(0, parts.length, ...parts.filter((p) => p.thought === true), { text: SEARCHED_TEXT });
  const grounding = searched ? { groundingMetadata: geminiGrounding(lastUserText(contents)) } : {};
  if (!route.stream) {
    return sendJson(res, 200, { candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0, ...grounding }], usageMetadata, ...common });
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\r\n\r\n`;
  const thought = parts.filter((p) => p.thought === true);
  const text = searched ? SEARCHED_TEXT : plan.text;
  const pieces: Part[][] = [...(thought.length ? [thought] : []), ...(text ? words(text).map((w) => [{ text: w }]) : [calls])];
  pieces.forEach((p, i) => {
    const last = i === pieces.length - 1;
    res.write(event({ candidates: [{ content: { role: "model", parts: p }, ...(last ? { finishReason: "STOP", ...grounding } : {}), index: 0 }],
      usageMetadata: last ? usageMetadata : { promptTokenCount: 8, totalTokenCount: 8 }, ...common }));
  });
  res.end();
  return 200;
}

/** The last user turn's text: what the mock searches for. */
function lastUserText(contents: Content[]): string {
  const last = contents.filter((c) => c.role === "user").at(-1);
  return (last?.parts ?? []).map((p) => p.text ?? "").join("");
}

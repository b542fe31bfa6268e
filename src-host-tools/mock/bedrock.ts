// Amazon Bedrock's Converse API as the mock serves it
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html): the
// request's SigV4 signature recomputed with the AWS SDK's own signer (@smithy/signature-v4) and
// refused as AWS refuses it, the body checked as Converse checks it (alternating roles, one field
// per content block, tool results right after their tool uses, no unknown fields), and answers as
// Converse JSON or ConverseStream's binary event stream (@smithy/eventstream-codec).
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { SignatureV4 } from "@smithy/signature-v4";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { halves, script, sendJson, words } from "./reply.js";
import type { AwsCredentials, MockProviderConfig } from "./provider-config.js";
import { MAX_BREAKPOINTS, playCache } from "./prompt-cache.js";
import { MOCK_THOUGHT, checkAnthropicThinking, checkThinkingPassBack, mockSignature } from "./thinking.js";

/** The credentials the mock's Bedrock accepts unless a test gives others. */
export const MOCK_AWS_CREDENTIALS = { accessKeyId: "AKIDMOCKEXAMPLE", secretAccessKey: "mock/secret+access/key" };

const REQUEST_FIELDS = new Set(["messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields",
  "additionalModelResponseFieldPaths", "promptVariables", "requestMetadata", "performanceConfig", "outputConfig"]);
const BLOCK_FIELDS = ["text", "image", "document", "video", "toolUse", "toolResult", "guardContent", "reasoningContent", "cachePoint"];

export interface BedrockRoute { model: string; stream: boolean; region: string }

export function bedrockError(res: ServerResponse, status: number, type: string, message: string): number {
  return sendJson(res, status, { message }, { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
}

export function checkBedrockPath(p: MockProviderConfig, path: string, host: string): BedrockRoute | string {
  const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
  if (!m) return `UnknownOperationException (${path})`;
  const region = /^bedrock-runtime\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1] ?? p.region ?? "";
  return { model: decodeURIComponent(m[1]), stream: m[2] === "converse-stream", region };
}

/**
 * Bedrock's two ways in: an API key as a bearer token (checked against `apiKeys` when given), or a
 * SigV4 signature recomputed over the headers the request says it signed, with the secret of the
 * credentials its access key id names; temporary credentials need their session token, signed.
 * Undefined when the request is authentic.
 */
export async function checkBedrockAuth(req: IncomingMessage, path: string, body: string, region: string, accepted: AwsCredentials[] = [MOCK_AWS_CREDENTIALS], apiKeys?: string[]): Promise<string | undefined> {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) {
    const key = auth.slice("Bearer ".length);
    if (!key || (apiKeys && !apiKeys.includes(key))) return "Invalid API Key format: Must start with pre-defined prefix";
    if (req.headers["x-amz-security-token"] !== undefined) return "The security token included in the request is invalid.";
    return undefined;
  }
  return checkSignature(req, path, body, region, accepted);
}

/** Recomputes the signature over the headers the request says it signed; undefined when it matches. */
export async function checkSignature(req: IncomingMessage, path: string, body: string, region: string, accepted: AwsCredentials[] = [MOCK_AWS_CREDENTIALS]): Promise<string | undefined> {
  const auth = req.headers.authorization;
  const match = auth ? /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth) : null;
  if (!match) return "Missing Authentication Token";
  const credentials = accepted.find((c) => c.accessKeyId === match[1]);
  if (!credentials) return "The security token included in the request is invalid.";
  if (match[3] !== region) return `Credential should be scoped to a valid region. (${match[3]})`;
  const date = req.headers["x-amz-date"] as string | undefined;
  if (!date || !/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== match[2]) return "x-amz-date is missing or does not match the credential scope";
  const signedNames = match[4].split(";");
  if (!signedNames.includes("host")) return "host must be signed";
  // Temporary credentials are valid only with their session token, and it must be signed.
  if (credentials.sessionToken !== undefined && (req.headers["x-amz-security-token"] !== credentials.sessionToken || !signedNames.includes("x-amz-security-token"))) {
    return "The security token included in the request is invalid.";
  }
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = String(req.headers[name] ?? "");
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  // applyChecksum off: Bedrock does not need x-amz-content-sha256 (the signer would add it); when a
  // signer sent it (Envoy's does), it is among the signed headers and the payload hash is checked below.
  const signer = new SignatureV4({ credentials, region, service: "bedrock", sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign({ method: "POST", protocol: "https:", hostname: headers.host, path, headers, body }, { signingDate });
  if (signed.headers.authorization !== auth) return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";
  const declared = headers["x-amz-content-sha256"];
  if (declared !== undefined && declared !== createHash("sha256").update(body).digest("hex")) return "The provided 'x-amz-content-sha256' header does not match what was computed.";
  return undefined;
}

type Block = Record<string, unknown> & { toolUse?: { toolUseId?: string; name?: string; input?: unknown }; toolResult?: { toolUseId?: string; content?: Block[] }; image?: { format?: string; source?: { bytes?: string } } };
type Message = { role?: string; content?: Block[] };

export function checkBedrockBody(body: unknown, model = "anthropic.claude-sonnet-4-5-20250929-v1:0"): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "Malformed input request, please reformat your input and try again.";
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!REQUEST_FIELDS.has(key)) return `Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
  const outputProblem = checkOutputConfig(b.outputConfig);
  if (outputProblem) return outputProblem;
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
  let pending: string[] = [];
  let previous = "";
  for (const [i, m] of (b.messages as Message[]).entries()) {
    if (m.role !== "user" && m.role !== "assistant") return `messages.${i}.role: must be user or assistant`;
    if (i === 0 && m.role !== "user") return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
    if (m.role === previous) return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    previous = m.role;
    if (!Array.isArray(m.content) || m.content.length === 0) return `messages.${i}.content: must not be empty`;
    const results: string[] = [];
    for (const [j, block] of m.content.entries()) {
      const set = BLOCK_FIELDS.filter((f) => block[f] !== undefined);
      if (set.length !== 1) return `messages.${i}.content.${j}: exactly one content field must be set`;
      if (block.toolUse && m.role !== "assistant") return `messages.${i}.content.${j}: toolUse belongs to assistant messages`;
      const useId = block.toolUse?.toolUseId ?? block.toolResult?.toolUseId;
      // Converse's toolUseId: 1 to 64 characters of [a-zA-Z0-9_-].
      if (useId !== undefined && !/^[a-zA-Z0-9_-]{1,64}$/.test(useId)) return `1 validation error detected: Value at 'messages.${i + 1}.member.content.${j + 1}.member' failed to satisfy constraint: toolUseId must match [a-zA-Z0-9_-]{1,64}`;
      if (block.toolResult) { if (m.role !== "user") return `messages.${i}.content.${j}: toolResult belongs to user messages`; results.push(block.toolResult.toolUseId ?? ""); }
      if (block.image && (!["png", "jpeg", "gif", "webp"].includes(block.image.format ?? "") || typeof block.image.source?.bytes !== "string")) return `messages.${i}.content.${j}.image: invalid image`;
    }
    if (pending.length && (results.length !== pending.length || pending.some((id) => !results.includes(id)))) {
      return "The number of toolResult blocks at messages.".concat(String(i), ".content exceeds or is less than the number of toolUse blocks of previous turn.");
    }
    if (!pending.length && results.length) return `messages.${i}: toolResult blocks must follow an assistant turn with toolUse blocks`;
    pending = m.content.filter((c) => c.toolUse).map((c) => c.toolUse!.toolUseId ?? "");
  }
  const cacheProblem = checkCachePoints(b, model);
  if (cacheProblem) return cacheProblem;
  const config = (b.inferenceConfig ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(config)) if (!["maxTokens", "temperature", "topP", "stopSequences"].includes(key)) return `Malformed input request: inferenceConfig: extraneous key [${key}] is not permitted`;
  return checkBedrockThinking(model, b, config);
}

/** Claude on Bedrock: additionalModelRequestFields.thinking, checked as Anthropic checks it, and thinking passed back before tool use. */
function checkBedrockThinking(model: string, b: Record<string, unknown>, config: Record<string, unknown>): string | undefined {
  const fields = b.additionalModelRequestFields as { thinking?: { type?: string; budget_tokens?: unknown }; output_config?: { effort?: unknown } } | undefined;
  const thinking = fields?.thinking;
  // Converse's own default maxTokens for Claude is 4096 when none is given.
  const problem = checkAnthropicThinking(model, thinking, config.maxTokens ?? 4096, config.temperature, undefined, config.topP, fields?.output_config?.effort);
  if (problem) return `The model returned the following errors: ${problem}`;
  if (!thinking || thinking.type === "disabled") return undefined;
  const last = (b.messages as Message[]).filter((m) => m.role === "assistant").at(-1);
  const blocks = last?.content ?? [];
  if (!blocks.some((c) => c.toolUse)) return undefined;
  const first = blocks[0] as { reasoningContent?: { reasoningText?: { signature?: string }; redactedContent?: string } };
  const kind = first.reasoningContent?.redactedContent ? "redacted" : first.reasoningContent?.reasoningText ? "thinking" : Object.keys(first)[0];
  const passBack = checkThinkingPassBack("bedrock", { kind, signature: first.reasoningContent?.reasoningText?.signature });
  return passBack ? `The model returned the following errors: ${passBack}` : undefined;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One ConverseStream event as an AWS event-stream frame. */
export function frame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: { ":event-type": { type: "string", value: eventType }, ":content-type": { type: "string", value: "application/json" }, ":message-type": { type: "string", value: "event" } },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function seenIn(messages: Message[]): { toolResults: number; images: number } {
  let toolResults = 0;
  let images = 0;
  for (const m of messages) for (const c of m.content ?? []) { if (c.toolResult) toolResults++; if (c.image) images++; }
  return { toolResults, images };
}

export function answerBedrock(res: ServerResponse, route: BedrockRoute, body: Record<string, unknown>): number {
  const messages = body.messages as Message[];
  const tools = (((body.toolConfig as { tools?: { toolSpec?: { name: string; inputSchema?: { json?: unknown } } }[] } | undefined)?.tools) ?? [])
    .filter((t) => t.toolSpec).map((t) => ({ name: t.toolSpec!.name, schema: t.toolSpec!.inputSchema?.json }));
  const last = messages[messages.length - 1];
  const answered = (last?.content ?? []).some((c) => c.toolResult);
  const plan = script("bedrock", route.model, tools, answered, true, seenIn(messages));
  const thinking = (body.additionalModelRequestFields as { thinking?: { type?: string } } | undefined)?.thinking?.type;
  const thought = thinking === "enabled" || thinking === "adaptive" ? [{ reasoningContent: { reasoningText: { text: MOCK_THOUGHT, signature: mockSignature("bedrock", MOCK_THOUGHT) } } }] : [];
  const content: Block[] = [...thought, ...(plan.text ? [{ text: plan.text }] : plan.calls.map((c) => ({ toolUse: { toolUseId: c.id.replace("call_", "tooluse_"), name: c.name, input: c.args } })))];
  const stopReason = plan.calls.length ? "tool_use" : "end_turn";
  const prompt = promptOf(body);
  const cache = playCache(`bedrock:${route.model}:`, prompt.blocks, prompt.marks);
  // Without cache points, fixed figures; with them, inputTokens excludes what the cache read and wrote, as Converse counts.
  const usage = prompt.marks.length === 0 ? { inputTokens: 6, outputTokens: 4, totalTokens: 10 }
    : { inputTokens: cache.total - cache.read - cache.written, outputTokens: 4, totalTokens: cache.total + 4, cacheReadInputTokens: cache.read, cacheWriteInputTokens: cache.written };
  if (!route.stream) return sendJson(res, 200, { output: { message: { role: "assistant", content } }, stopReason, usage, metrics: { latencyMs: 1 } });
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
  const frames: Uint8Array[] = [frame("messageStart", { role: "assistant" })];
  content.forEach((block, index) => {
    if ("reasoningContent" in block) {
      const r = (block.reasoningContent as { reasoningText: { text: string; signature: string } }).reasoningText;
      for (const w of words(r.text)) frames.push(frame("contentBlockDelta", { contentBlockIndex: index, delta: { reasoningContent: { text: w } } }));
      frames.push(frame("contentBlockDelta", { contentBlockIndex: index, delta: { reasoningContent: { signature: r.signature } } }));
    } else if ("text" in block) {
      for (const w of words(block.text as string)) frames.push(frame("contentBlockDelta", { contentBlockIndex: index, delta: { text: w } }));
    } else {
      const use = block.toolUse!;
      frames.push(frame("contentBlockStart", { contentBlockIndex: index, start: { toolUse: { toolUseId: use.toolUseId, name: use.name } } }));
      for (const piece of halves(JSON.stringify(use.input))) frames.push(frame("contentBlockDelta", { contentBlockIndex: index, delta: { toolUse: { input: piece } } }));
    }
    frames.push(frame("contentBlockStop", { contentBlockIndex: index }));
  });
  frames.push(frame("messageStop", { stopReason }));
  frames.push(frame("metadata", { usage, metrics: { latencyMs: 1 } }));
  // Written in odd-sized pieces, so frames cross Envoy's body callbacks.
  const all = Buffer.concat(frames);
  for (let i = 0; i < all.length; i += 29) res.write(all.subarray(i, i + 29));
  res.end();
  return 200;
}

/** outputConfig.textFormat as Converse documents it (API_runtime_OutputFormat): a JSON schema sent as a string. */
function checkOutputConfig(config: unknown): string | undefined {
  if (config === undefined) return undefined;
  const format = (config as { textFormat?: { type?: unknown; structure?: { jsonSchema?: { schema?: unknown; name?: unknown } } } }).textFormat;
  if (!format || format.type !== "json_schema") return "outputConfig.textFormat.type: must be json_schema";
  const schema = format.structure?.jsonSchema?.schema;
  if (typeof schema !== "string") return "outputConfig.textFormat.structure.jsonSchema.schema: must be a string";
  try { JSON.parse(schema); } catch { return "outputConfig.textFormat.structure.jsonSchema.schema: is not valid JSON"; }
  return undefined;
}

type Entry = Record<string, unknown> & { cachePoint?: { type?: unknown; ttl?: unknown } };

/** The lists cachePoint blocks may sit in: toolConfig.tools, system, each message's content. */
function cacheLists(b: Record<string, unknown>): [Entry[], string][] {
  const lists: [Entry[], string][] = [];
  const tools = (b.toolConfig as { tools?: Entry[] } | undefined)?.tools;
  if (Array.isArray(tools)) lists.push([tools, "toolConfig.tools"]);
  if (Array.isArray(b.system)) lists.push([b.system as Entry[], "system"]);
  for (const [i, m] of ((b.messages ?? []) as Message[]).entries()) if (Array.isArray(m.content)) lists.push([m.content as Entry[], `messages.${i}.content`]);
  return lists;
}

/**
 * cachePoint blocks as Converse takes them (API_runtime_CachePointBlock): type "default", an
 * optional ttl of 5m or 1h, each after a block it caches up to, at most four a request.
 */
function checkCachePoints(b: Record<string, unknown>, model: string): string | undefined {
  const caching = cachingOf(model);
  let count = 0;
  for (const [list, path] of cacheLists(b)) {
    for (const [i, entry] of list.entries()) {
      if (path !== "system" && path !== "toolConfig.tools") { if (entry?.cachePoint === undefined) continue; }
      else if (entry?.cachePoint === undefined) {
        const kinds = (path === "system" ? ["text", "guardContent"] : ["toolSpec"]).filter((k) => entry?.[k] !== undefined);
        if (kinds.length !== 1 || Object.keys(entry).length !== 1) return `${path}.${i}: exactly one member must be set`;
        continue;
      }
      const point = entry.cachePoint!;
      if (point?.type !== "default" || Object.keys(entry).length !== 1) return `${path}.${i}.cachePoint.type: must be default`;
      if (point.ttl !== undefined && point.ttl !== "5m" && point.ttl !== "1h") return `${path}.${i}.cachePoint.ttl: must be 5m or 1h`;
      if (i === 0 || list[i - 1]?.cachePoint !== undefined) return `${path}.${i}: a cachePoint must follow the content it caches`;
      if (!caching.prompt || (path === "toolConfig.tools" && !caching.tools)) return "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information.";
      if (point.ttl === "1h" && !caching.hour) return `${path}.${i}.cachePoint.ttl: the 1h TTL is not supported for this model`;
      count++;
    }
  }
  if (count > MAX_BREAKPOINTS) return `The number of cache points (${count}) exceeds the maximum of ${MAX_BREAKPOINTS} per request.`;
  return undefined;
}

/** The prompt in prefix order without its cachePoint blocks, and where each point falls. */
function promptOf(b: Record<string, unknown>): { blocks: unknown[]; marks: { index: number; ttl: string }[] } {
  const blocks: unknown[] = [];
  const marks: { index: number; ttl: string }[] = [];
  for (const [list] of cacheLists(b)) {
    for (const entry of list) {
      if (entry?.cachePoint === undefined) blocks.push(entry);
      else marks.push({ index: blocks.length - 1, ttl: String(entry.cachePoint.ttl ?? "5m") });
    }
  }
  return { blocks, marks };
}

/**
 * Which models take cachePoints, as the Bedrock user guide's prompt-caching table lists them:
 * Claude from 3.5 Sonnet v2 and 3.5 Haiku (system, messages, tools; 1 hour from the 4.5 models),
 * Nova (system and messages, 5 minutes). An opaque id (an application inference profile) is taken
 * as caching-capable without the 1-hour ttl.
 */
function cachingOf(modelId: string): { prompt: boolean; tools: boolean; hour: boolean } {
  const id = (modelId.split("/").pop() ?? "").replace(/^[a-z-]+\.(?=(anthropic|amazon)\.)/, "");
  if (!id.includes(".")) return { prompt: true, tools: true, hour: false };
  if (id.startsWith("amazon.nova")) return { prompt: true, tools: false, hour: false };
  if (!id.startsWith("anthropic.claude-") || /^anthropic\.claude-(v2|instant|3-(sonnet|opus|haiku)-|3-5-sonnet-20240620)/.test(id)) return { prompt: false, tools: false, hour: false };
  return { prompt: true, tools: true, hour: /^anthropic\.claude-(opus|sonnet|haiku)-(4-[5-9]|[5-9])(\b|-)/.test(id) };
}

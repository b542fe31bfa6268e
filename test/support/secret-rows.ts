// Rows for "a key never leaves, in any encoding": every kind of configured secret, written in each
// encoding a provider (or a model) might echo it in, put in each place of a provider's answer. The
// same rows run through the host emulator (test/unit/secret-redaction.test.ts) and real Envoy
// (test/integration/secrets.test.ts); `leaks` decides what the client must never see.

/** The secrets: one of each kind the filter holds. */
export const SECRETS = {
  "OpenAI key": "sk-proj-Qm4Ty8Zb2Lx6Vn0Rc3Wd7Hs1",
  "Anthropic key": "sk-ant-api03-Ge5Uj9Ko2Pw8Ai4Sf7Dl",
  "AWS secret access key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY+Q",
  "AWS session token": "IQoJb3JpZ2luX2VjEXAMPLE/session+token/Zq8v9w==",
  "Vertex token": "ya29.c.b0Aaek-fetched_token/Xy71",
} as const;
export type SecretKind = keyof typeof SECRETS;

export const SECRET_ENV = {
  OA_KEY: SECRETS["OpenAI key"],
  AN_KEY: SECRETS["Anthropic key"],
  AWS_ACCESS_KEY_ID: "AKIDSECRETSTEST",
  AWS_SECRET_ACCESS_KEY: SECRETS["AWS secret access key"],
  AWS_SESSION_TOKEN: SECRETS["AWS session token"],
  VX_TOKEN: SECRETS["Vertex token"],
};

/** oa.llm: OpenAI as the client speaks it; an.llm: OpenAI clients translated to Anthropic. */
export function secretsConfig(vertexFromMetadata: boolean) {
  return {
    requestMode: "body",
    providers: [
      { name: "oa", type: "openai", apiKeys: [{ env: "OA_KEY" }] },
      { name: "an", type: "anthropic", apiKeys: [{ env: "AN_KEY" }] },
      { name: "br", type: "bedrock", region: "us-east-1" },
      vertexFromMetadata
        ? { name: "vx", type: "vertex-ai", project: "p", region: "us-east5", tokenFromMetadataServer: true }
        : { name: "vx", type: "vertex-ai", project: "p", region: "us-east5", apiKeys: [{ env: "VX_TOKEN" }] },
    ],
    routes: [
      { name: "oa", match: { host: "oa.llm" }, backends: [{ provider: "oa" }] },
      { name: "an", match: { host: "an.llm" }, backends: [{ provider: "an", model: "claude-x" }] },
      { name: "br", match: { host: "br.llm" }, backends: [{ provider: "br", model: "amazon.nova-pro-v1:0" }] },
      { name: "vx", match: { host: "vx.llm" }, backends: [{ provider: "vx", model: "gemini-2.5-flash" }] },
    ],
  };
}

const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(4, "0");
const pct = (c: string) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");

/** An encoding: the secret as units (split points for "across events" never cut a unit). */
export interface Encoding { name: string; units(secret: string): string[] }

function base64Units(secret: string, shift: number, url: boolean): string[] {
  // The secret inside a longer base64 text (a Basic credential, a debug dump), at each alignment.
  const text = Buffer.from("ab".slice(0, shift) + secret + "!").toString(url ? "base64url" : "base64");
  return [...text];
}

export const ENCODINGS: Encoding[] = [
  { name: "as is", units: (s) => [...s] },
  { name: "JSON \\/ for /", units: (s) => [...s].map((c) => (c === "/" ? "\\/" : c)) },
  { name: "JSON \\u escapes", units: (s) => [...s].map((c) => "\\u" + hex(c)) },
  { name: "\\u escapes, every other character", units: (s) => [...s].map((c, i) => (i % 2 ? "\\u" + hex(c).toUpperCase() : c)) },
  { name: "percent-encoded, every byte", units: (s) => [...s].map(pct) },
  { name: "percent-encoded, reserved only", units: (s) => [...s].map((c) => encodeURIComponent(c)) },
  ...[0, 1, 2].map((k) => ({ name: `base64, offset ${k}`, units: (s: string) => base64Units(s, k, false) })),
  ...[0, 1, 2].map((k) => ({ name: `base64url, offset ${k}`, units: (s: string) => base64Units(s, k, true) })),
];

/** A provider answer: status, headers, and the body as the pieces it arrives in. */
export interface Answer { status: number; headers: Record<string, string>; chunks: string[] }

/** A place in the answer; `answer` puts the encoded secret there. */
export interface Place { name: string; host: string; stream?: boolean; answer(units: string[]): Answer }

/** A chat answer whose content is `text`, written as JSON string content (escapes kept as given). */
export const chatJson = (text: string) => JSON.stringify({ id: "c1", object: "chat.completion", created: 1, model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "@" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } }).replace('"@"', `"${text}"`);
/** One chat stream event whose delta is `content`, written as JSON string content. */
export const chunk = (content: string) => `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
export const streamEnd = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
  + 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}\n\n'
  + "data: [DONE]\n\n";
const ant = (type: string, data: string) => `event: ${type}\ndata: ${data}\n\n`;
const antDelta = (text: string) => ant("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${text}"}}`);
const antStart = ant("message_start", '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}')
  + ant("content_block_start", '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}');
const antEnd = ant("content_block_stop", '{"type":"content_block_stop","index":0}')
  + ant("message_delta", '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}') + ant("message_stop", '{"type":"message_stop"}');
const half = (units: string[]) => [units.slice(0, units.length >> 1).join(""), units.slice(units.length >> 1).join("")];
const JSON_TYPE = { "content-type": "application/json" };
/** An answer that states its length: what passes unchanged in length must keep it exact. */
const exact = (a: Answer): Answer => ({ ...a, headers: { ...a.headers, "content-length": String(a.chunks.reduce((n, c) => n + Buffer.byteLength(c), 0)) } });
const SSE_TYPE = { "content-type": "text/event-stream" };

export const PLACES: Place[] = [
  { name: "a debug header", host: "oa.llm", answer: (u) => ({ status: 200, headers: { ...JSON_TYPE, "x-debug-auth": `Bearer ${u.join("")}` }, chunks: [chatJson("hi")] }) },
  { name: "www-authenticate of a 401", host: "oa.llm", answer: (u) => ({ status: 401, headers: { ...JSON_TYPE, "www-authenticate": `Bearer error="invalid_token", key="${u.join("")}"` }, chunks: ['{"error":{"message":"no"}}'] }) },
  { name: "Location and body of a redirect", host: "oa.llm", answer: (u) => exact({ status: 302, headers: { "content-type": "text/html", location: `https://example.com/cb?token=${u.join("")}` }, chunks: [`<a href="https://example.com/cb?token=${u.join("")}">moved</a>`] }) },
  { name: "a JSON error body", host: "oa.llm", answer: (u) => ({ status: 400, headers: JSON_TYPE, chunks: [`{"error":{"message":"bad key ${u.join("")}","type":"invalid_request_error"}}`] }) },
  { name: "a JSON error body, translated", host: "an.llm", answer: (u) => ({ status: 400, headers: JSON_TYPE, chunks: [`{"type":"error","error":{"type":"invalid_request_error","message":"bad key ${u.join("")}"}}`] }) },
  { name: "a JSON answer", host: "oa.llm", answer: (u) => exact({ status: 200, headers: JSON_TYPE, chunks: [chatJson(`echo ${u.join("")} end`)] }) },
  { name: "a JSON answer in two body chunks", host: "oa.llm", answer: (u) => { const [a, b] = half(u); const body = chatJson(`echo ${a}\u0000${b} end`); const cut = body.indexOf("\u0000"); return exact({ status: 200, headers: JSON_TYPE, chunks: [body.slice(0, cut), body.slice(cut + 1)] }); } },
  { name: "a JSON answer, translated", host: "an.llm", answer: (u) => ({ status: 200, headers: JSON_TYPE, chunks: [`{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"echo ${u.join("")} end"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":3}}`] }) },
  { name: "a Bedrock answer, translated", host: "br.llm", answer: (u) => ({ status: 200, headers: JSON_TYPE, chunks: [`{"output":{"message":{"role":"assistant","content":[{"text":"echo ${u.join("")} end"}]}},"stopReason":"end_turn","usage":{"inputTokens":5,"outputTokens":3,"totalTokens":8}}`] }) },
  { name: "a Vertex Gemini error, translated", host: "vx.llm", answer: (u) => ({ status: 403, headers: JSON_TYPE, chunks: [`{"error":{"code":403,"message":"token ${u.join("")} lacks permission","status":"PERMISSION_DENIED"}}`] }) },
  { name: "a stream, split across two events", host: "oa.llm", stream: true, answer: (u) => { const [a, b] = half(u); return { status: 200, headers: SSE_TYPE, chunks: [chunk(`echo ${a}`), chunk(`${b} end`), streamEnd] }; } },
  { name: "a stream, one event split across two body chunks (mid-escape)", host: "oa.llm", stream: true, answer: (u) => { const e = chunk(`echo ${u.join("")} end`); const at = e.indexOf("echo ") + 5 + Math.floor(u.join("").length / 2) + 1; return { status: 200, headers: SSE_TYPE, chunks: [e.slice(0, at), e.slice(at) + streamEnd] }; } },
  { name: "a stream, cut after the secret's first two characters", host: "oa.llm", stream: true, answer: (u) => ({ status: 200, headers: SSE_TYPE, chunks: [chunk(`echo ${u.slice(0, 2).join("")}`), chunk(`${u.slice(2).join("")} end`), streamEnd] }) },
  { name: "a stream of one character per event", host: "oa.llm", stream: true, answer: (u) => ({ status: 200, headers: SSE_TYPE, chunks: [chunk("echo "), ...u.map((c) => chunk(c)), chunk(" end") + streamEnd] }) },
  { name: "a translated stream, split across two events", host: "an.llm", stream: true, answer: (u) => { const [a, b] = half(u); return { status: 200, headers: SSE_TYPE, chunks: [antStart + antDelta(`echo ${a}`), antDelta(`${b} end`) + antEnd] }; } },
];

/** The request each place answers. */
export function requestFor(place: Place): string {
  return JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "repeat your key" }], ...(place.stream ? { stream: true } : {}) });
}

/** Every form of a secret the client must not get: itself and its base64/base64url text at each alignment. */
function forms(secret: string): string[] {
  const out = [secret];
  for (const url of [false, true]) {
    for (let k = 0; k < 3; k++) {
      const text = Buffer.from("\0\0".slice(0, k) + secret).toString(url ? "base64url" : "base64").replace(/=+$/, "");
      // The characters that depend on the secret alone: drop those mixed with the prefix and the last one.
      const first = Math.ceil((k * 8) / 6);
      out.push(text.slice(first, text.length - 1));
    }
  }
  return out;
}

const unescapeJson = (t: string) => t.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))).replace(/\\\//g, "/");
const unescapePercent = (t: string) => t.replace(/%([0-9a-fA-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));

/** True when any form of the secret shows in the text, read as it is or with JSON or percent escapes undone. */
export function leaks(text: string, secret: string): boolean {
  const views = [text, unescapeJson(text), unescapePercent(text), unescapePercent(unescapeJson(text))];
  return forms(secret).some((f) => views.some((v) => v.includes(f)));
}

/** The text a stream's deltas add up to (content and text fields joined, as a client shows them). */
export function streamText(body: string): string {
  let text = "";
  for (const line of body.split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    try {
      const event = JSON.parse(line.slice(6));
      const delta = event.choices?.[0]?.delta;
      if (typeof delta?.content === "string") text += delta.content;
    } catch { text += "<not JSON>"; }
  }
  return text;
}

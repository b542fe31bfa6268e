// Local stand-ins for LLM providers, for tests and the demo (there is no internet here). One
// loopback server answers for every provider host: it recognises the provider by Host, checks the
// request against that provider's documented API (path, auth header, JSON body) and answers as the
// provider would, in JSON or as an SSE stream. Every request is recorded for assertions.
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { PROVIDER_TYPES, ProviderEndpointConfig, providerEndpoint } from "../providers.js";

export interface MockProviderConfig extends ProviderEndpointConfig {
  /** Keys the provider accepts; when absent any non-empty key is accepted. */
  acceptedKeys?: string[];
  apiVersion?: string;
}

/** A request as the provider saw it. */
export interface ReceivedRequest {
  provider: string;
  type: string;
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | undefined;
  rawBody: string;
  /** Status the mock answered with. */
  status: number;
}

export interface MockProviders {
  port: number;
  address: string;
  received: ReceivedRequest[];
  /** Forget what was received so far. */
  reset(): void;
  close(): Promise<void>;
}

const OPERATIONS = ["/chat/completions", "/completions", "/embeddings"] as const;

function openAIError(res: ServerResponse, status: number, message: string, type: string, code: string | null): number {
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
  return status;
}

interface Expected { provider: MockProviderConfig; operation: string; deployment?: string }

/** Matches the path against the provider's documented layout; returns the operation or an error. */
function checkPath(p: MockProviderConfig, path: string, query: URLSearchParams): Expected | string {
  const info = PROVIDER_TYPES[p.type];
  const base = p.basePath ?? info.basePath;
  if (p.type === "azure-openai") {
    const v1 = new RegExp(`^${base}/v1(/chat/completions|/completions|/embeddings)$`).exec(path);
    if (v1) return { provider: p, operation: v1[1] };
    const m = new RegExp(`^${base}/deployments/([A-Za-z0-9._-]+)(/chat/completions|/completions|/embeddings)$`).exec(path);
    if (!m) return `Resource not found (${path})`;
    const version = query.get("api-version");
    if (!version || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) return "Missing or invalid api-version query parameter";
    return { provider: p, operation: m[2], deployment: m[1] };
  }
  for (const op of OPERATIONS) if (path === base + op) return { provider: p, operation: op };
  return `Invalid URL (POST ${path})`;
}

function checkAuth(p: MockProviderConfig, headers: IncomingMessage["headers"]): string | undefined {
  const info = PROVIDER_TYPES[p.type];
  let key: string | undefined;
  if (info.authHeader === "api-key") {
    key = headers["api-key"] as string | undefined;
    if (headers.authorization) return "Azure requests carry api-key, not Authorization";
  } else {
    const auth = headers.authorization;
    if (auth !== undefined && !/^Bearer \S+$/.test(auth)) return "Authorization must be 'Bearer <key>'";
    key = auth?.slice("Bearer ".length);
  }
  if (!key) return info.keyRequired ? "You didn't provide an API key." : undefined;
  if (p.acceptedKeys && !p.acceptedKeys.includes(key)) return "Incorrect API key provided.";
  return undefined;
}

function checkBody(expected: Expected, body: unknown): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "We could not parse the JSON body of your request.";
  const b = body as Record<string, unknown>;
  const modelInPath = expected.deployment !== undefined;
  if (!modelInPath && (typeof b.model !== "string" || b.model.length === 0)) return "you must provide a model parameter";
  if (expected.operation === "/chat/completions") {
    if (!Array.isArray(b.messages) || b.messages.length === 0) return "'messages' must be a non-empty array";
    for (const m of b.messages as unknown[]) {
      const msg = m as Record<string, unknown>;
      if (!msg || typeof msg.role !== "string") return "each message needs a role";
    }
  }
  if (expected.operation === "/embeddings" && b.input === undefined) return "'input' is required";
  if (expected.operation === "/completions" && b.prompt === undefined) return "'prompt' is required";
  if (b.stream !== undefined && typeof b.stream !== "boolean") return "'stream' must be a boolean";
  return undefined;
}

function answer(res: ServerResponse, expected: Expected, body: Record<string, unknown>): number {
  const model = (body.model as string | undefined) ?? expected.deployment ?? "unknown";
  const id = `chatcmpl-mock-${Math.random().toString(36).slice(2, 10)}`;
  const created = Math.floor(Date.now() / 1000);
  const text = `Hello from mock ${expected.provider.type} (${model}).`;
  if (expected.operation === "/embeddings") {
    const payload = JSON.stringify({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }], model, usage: { prompt_tokens: 3, total_tokens: 3 } });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
    res.end(payload);
    return 200;
  }
  if (body.stream === true) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const words = text.split(" ");
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    words.forEach((w, i) => res.write(chunk({ content: (i > 0 ? " " : "") + w }, null)));
    res.write(chunk({}, "stop"));
    res.end("data: [DONE]\n\n");
    return 200;
  }
  const completion = expected.operation === "/completions"
    ? { id, object: "text_completion", created, model, choices: [{ index: 0, text, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } }
    : { id, object: "chat.completion", created, model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } };
  const payload = JSON.stringify(completion);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
  return 200;
}

/** Starts the mock on 127.0.0.1 (port 0: the OS picks). */
export async function startMockProviders(providers: MockProviderConfig[], port = 0): Promise<MockProviders> {
  const byAuthority = new Map<string, MockProviderConfig[]>();
  for (const p of providers) {
    const e = providerEndpoint(p);
    for (const a of new Set([e.authority, e.host, `${e.host}:${e.port}`])) byAuthority.set(a, [...(byAuthority.get(a) ?? []), p]);
  }
  const received: ReceivedRequest[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://mock");
      const candidates = byAuthority.get((req.headers.host ?? "").toLowerCase()) ?? [];
      let parsed: Record<string, unknown> | undefined;
      try { parsed = JSON.parse(rawBody); } catch { parsed = undefined; }
      const record: ReceivedRequest = {
        provider: "", type: "", method: req.method ?? "", url: req.url ?? "", path: url.pathname, query: url.searchParams,
        headers: req.headers, body: parsed, rawBody, status: 0,
      };
      received.push(record);
      if (candidates.length === 0) { record.status = openAIError(res, 421, `no mock provider for host ${req.headers.host}`, "invalid_request_error", null); return; }
      // Several configured providers may share a host (Azure deployments): take the first whose path fits.
      let expected: Expected | string = "no provider";
      for (const p of candidates) {
        expected = checkPath(p, url.pathname, url.searchParams);
        if (typeof expected !== "string") break;
      }
      const provider = typeof expected === "string" ? candidates[0] : expected.provider;
      record.provider = provider.name;
      record.type = provider.type;
      if (req.method !== "POST") { record.status = openAIError(res, 405, `Method ${req.method} not allowed`, "invalid_request_error", null); return; }
      if (typeof expected === "string") { record.status = openAIError(res, 404, expected, "invalid_request_error", null); return; }
      const authError = checkAuth(provider, req.headers);
      if (authError) { record.status = openAIError(res, 401, authError, "invalid_request_error", "invalid_api_key"); return; }
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) { record.status = openAIError(res, 415, "content-type must be application/json", "invalid_request_error", null); return; }
      const bodyError = checkBody(expected, parsed);
      if (bodyError) { record.status = openAIError(res, 400, bodyError, "invalid_request_error", null); return; }
      record.status = answer(res, expected, parsed!);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    address: address.address,
    received,
    reset: () => { received.length = 0; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// Local stand-ins for LLM providers and MCP servers (mcp.ts), for tests and the demo (there is no internet here). One
// loopback server answers for every provider host: it recognises the provider by Host, checks the
// request against that provider's documented API (path, auth header, JSON body; openai.ts and
// anthropic.ts) and answers as the provider would, in JSON or as an SSE stream. Every request is
// recorded for assertions.
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { PROVIDER_TYPES, providerEndpoint } from "../providers.js";
import type { MockProviderConfig } from "./provider-config.js";
import { OpenAIRoute, answerOpenAI, checkOpenAIAuth, checkOpenAIBody, checkOpenAIPath, openAIError } from "./openai.js";
import { allowsMidConversationSystem, anthropicError, answerAnthropic, checkAnthropicBody, checkAnthropicHeaders, checkAnthropicPath } from "./anthropic.js";
import { answerGemini, checkGeminiAuth, checkGeminiBody, checkGeminiPath, geminiError } from "./gemini.js";
import { MOCK_AWS_CREDENTIALS, answerBedrock, bedrockError, checkBedrockAuth, checkBedrockBody, checkBedrockPath } from "./bedrock.js";
import { serveVertex } from "./vertex.js";
import { serveMcp } from "./mcp.js";

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
  /** The body's bytes (rawBody decodes them, bad UTF-8 as U+FFFD). */
  bytes: Buffer;
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

function serveAnthropic(p: MockProviderConfig, req: IncomingMessage, res: ServerResponse, path: string, body: Record<string, unknown> | undefined): number {
  const op = checkAnthropicPath(p.basePath ?? PROVIDER_TYPES[p.type].basePath, path);
  if (!op) return anthropicError(res, 404, "not_found_error", `Not found: ${path}`);
  if (req.method !== "POST") return anthropicError(res, 405, "invalid_request_error", `Method ${req.method} not allowed`);
  const headerProblem = checkAnthropicHeaders(p, req.headers);
  if (headerProblem) return anthropicError(res, headerProblem[0], headerProblem[1], headerProblem[2]);
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return anthropicError(res, 415, "invalid_request_error", "content-type must be application/json");
  const problem = checkAnthropicBody(op, body, allowsMidConversationSystem(req.headers));
  if (problem) return anthropicError(res, 400, "invalid_request_error", problem);
  return answerAnthropic(res, op, body!);
}

async function serveBedrock(p: MockProviderConfig, req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string, body: Record<string, unknown> | undefined): Promise<number> {
  const route = checkBedrockPath(p, url.pathname, String(req.headers.host ?? ""));
  if (typeof route === "string") return bedrockError(res, 404, "UnknownOperationException", route);
  const signatureProblem = await checkBedrockAuth(req, url.pathname, rawBody, route.region, p.acceptedAwsCredentials ?? [MOCK_AWS_CREDENTIALS], p.acceptedKeys);
  if (signatureProblem) return bedrockError(res, 403, "InvalidSignatureException", signatureProblem);
  const problem = checkBedrockBody(body, route.model);
  if (problem) return bedrockError(res, 400, "ValidationException", problem);
  return answerBedrock(res, route, body!);
}

function serveGemini(p: MockProviderConfig, req: IncomingMessage, res: ServerResponse, url: URL, body: Record<string, unknown> | undefined): number {
  const route = checkGeminiPath(p.basePath ?? PROVIDER_TYPES[p.type].basePath, url.pathname, url.searchParams);
  if (typeof route === "string") return geminiError(res, 404, route);
  if (req.method !== "POST") return geminiError(res, 404, `Method ${req.method} not allowed`);
  const authProblem = checkGeminiAuth(p, req.headers, url.searchParams);
  if (authProblem) return geminiError(res, authProblem[0], authProblem[1]);
  const problem = checkGeminiBody(route, body);
  if (problem) return geminiError(res, 400, problem);
  return answerGemini(res, route, body!);
}

function serveOpenAI(candidates: MockProviderConfig[], req: IncomingMessage, res: ServerResponse, url: URL, body: Record<string, unknown> | undefined, record: ReceivedRequest): number {
  // Several configured providers may share a host (Azure deployments): take the first whose path fits.
  let expected: OpenAIRoute | string = "no provider";
  for (const p of candidates) {
    expected = checkOpenAIPath(p, url.pathname, url.searchParams);
    if (typeof expected !== "string") break;
  }
  const provider = typeof expected === "string" ? candidates[0] : expected.provider;
  record.provider = provider.name;
  record.type = provider.type;
  if (req.method !== "POST") return openAIError(res, 405, `Method ${req.method} not allowed`, "invalid_request_error", null);
  if (typeof expected === "string") return openAIError(res, 404, expected, "invalid_request_error", null);
  const authError = checkOpenAIAuth(provider, req.headers);
  if (authError) return openAIError(res, 401, authError, "invalid_request_error", "invalid_api_key");
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return openAIError(res, 415, "content-type must be application/json", "invalid_request_error", null);
  const bodyError = checkOpenAIBody(expected, body);
  if (bodyError) return openAIError(res, 400, bodyError, "invalid_request_error", null);
  return answerOpenAI(res, expected, body!);
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
      const bytes = Buffer.concat(chunks);
      const rawBody = bytes.toString("utf8");
      const url = new URL(req.url ?? "/", "http://mock");
      const candidates = byAuthority.get((req.headers.host ?? "").toLowerCase()) ?? [];
      let parsed: Record<string, unknown> | undefined;
      try { parsed = JSON.parse(rawBody); } catch { parsed = undefined; }
      const record: ReceivedRequest = {
        provider: "", type: "", method: req.method ?? "", url: req.url ?? "", path: url.pathname, query: url.searchParams,
        headers: req.headers, body: parsed, rawBody, bytes, status: 0,
      };
      received.push(record);
      if (candidates.length === 0) { record.status = openAIError(res, 421, `no mock provider for host ${req.headers.host}`, "invalid_request_error", null); return; }
      const mcp = candidates.find((p) => PROVIDER_TYPES[p.type].api === "mcp");
      if (mcp) { record.provider = mcp.name; record.type = mcp.type; record.status = serveMcp(mcp, req, res, parsed); return; }
      const vertex = candidates.find((p) => p.type === "vertex-ai");
      if (vertex) {
        record.provider = vertex.name; record.type = vertex.type;
        void serveVertex(vertex, req, res, url, parsed).then((status) => { record.status = status; });
        return;
      }
      const bedrock = candidates.find((p) => PROVIDER_TYPES[p.type].api === "bedrock");
      if (bedrock) {
        record.provider = bedrock.name; record.type = bedrock.type;
        void serveBedrock(bedrock, req, res, url, rawBody, parsed).then((status) => { record.status = status; });
        return;
      }
      const gemini = candidates.find((p) => PROVIDER_TYPES[p.type].api === "gemini");
      if (gemini) { record.provider = gemini.name; record.type = gemini.type; record.status = serveGemini(gemini, req, res, url, parsed); return; }
      const anthropic = candidates.find((p) => PROVIDER_TYPES[p.type].api === "anthropic");
      if (anthropic) { record.provider = anthropic.name; record.type = anthropic.type; record.status = serveAnthropic(anthropic, req, res, url.pathname, parsed); return; }
      record.status = serveOpenAI(candidates, req, res, url, parsed, record);
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

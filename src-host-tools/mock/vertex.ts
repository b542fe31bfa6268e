// Vertex AI as the mock serves it (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest):
// an OAuth bearer token, the project, location, publisher and model in the path; Google's models
// checked and answered as the Gemini API (gemini.ts), Anthropic's as the Messages API
// (anthropic.ts) with Vertex's differences: no model in the body, anthropic_version
// "vertex-2023-10-16" required in it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { anthropicError, answerAnthropic, checkAnthropicBody } from "./anthropic.js";
import { answerGemini, checkGeminiBody, geminiError } from "./gemini.js";
import type { MockProviderConfig } from "./provider-config.js";

export async function serveVertex(p: MockProviderConfig, req: IncomingMessage, res: ServerResponse, url: URL, body: Record<string, unknown> | undefined): Promise<number> {
  const m = /^\/v1\/projects\/([A-Za-z0-9-]+)\/locations\/([a-z0-9-]+)\/publishers\/(google|anthropic)\/models\/([A-Za-z0-9._@-]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict)$/.exec(url.pathname);
  if (!m) return geminiError(res, 404, `The requested URL ${url.pathname} was not found on this server.`);
  const [, project, location, publisher, model, method] = m;
  const auth = req.headers.authorization;
  if (!auth || !auth.startsWith("Bearer ")) return geminiError(res, 401 as number, "Request is missing required authentication credential. Expected OAuth 2 access token.");
  if (p.acceptedKeys && !p.acceptedKeys.includes(auth.slice(7))) return geminiError(res, 401, "Request had invalid authentication credentials.");
  if (project !== p.project || (location !== p.region && p.region !== undefined)) return geminiError(res, 404, `Project ${project} or location ${location} not found`);
  if (publisher === "google") {
    if (method !== "generateContent" && method !== "streamGenerateContent") return geminiError(res, 400, `${method} is not a method of Google's models`);
    const route = { model, stream: method === "streamGenerateContent", method };
    if (route.stream && url.searchParams.get("alt") !== "sse") return geminiError(res, 400, "llm-mesh mock: streamGenerateContent without alt=sse");
    const problem = checkGeminiBody(route, body);
    if (problem) return geminiError(res, 400, problem);
    return answerGemini(res, route, body!);
  }
  if (method !== "rawPredict" && method !== "streamRawPredict") return anthropicError(res, 400, "invalid_request_error", `${method} is not a method of Anthropic's models on Vertex AI`);
  if (!body || typeof body !== "object") return anthropicError(res, 400, "invalid_request_error", "body: Input should be a valid dictionary");
  if (body.model !== undefined) return anthropicError(res, 400, "invalid_request_error", "model: Extra inputs are not permitted (on Vertex AI the model is in the URL)");
  if (body.anthropic_version !== "vertex-2023-10-16") return anthropicError(res, 400, "invalid_request_error", "anthropic_version: vertex-2023-10-16 is required");
  if ((method === "streamRawPredict") !== (body.stream === true)) return anthropicError(res, 400, "invalid_request_error", "streamRawPredict takes stream: true, rawPredict does not");
  const { anthropic_version: _version, ...rest } = body;
  const messagesBody = { ...rest, model };
  const problem = checkAnthropicBody("messages", messagesBody);
  if (problem) return anthropicError(res, 400, "invalid_request_error", problem);
  return answerAnthropic(res, "messages", messagesBody);
}

// Error bodies in each API's own shape, and reading a provider's error whichever shape it has.
//   OpenAI:    {"error":{"message":"…","type":"…","param":null,"code":"…"}}
//   Anthropic: {"type":"error","error":{"type":"…","message":"…"}}
//   Gemini:    {"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT"}} (Google's API error, https://ai.google.dev/gemini-api/docs/troubleshooting)
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "./json/parse";
import { JsonWriter } from "./json/writer";
import { WireApi } from "./api";

/** Anthropic's error type for an HTTP status (https://docs.anthropic.com/en/api/errors). */
export function anthropicErrorType(status: i32): string {
  if (status == 400 || status == 405 || status == 415 || status == 421 || status == 422) return "invalid_request_error";
  if (status == 401) return "authentication_error";
  if (status == 402) return "billing_error";
  if (status == 403) return "permission_error";
  if (status == 404) return "not_found_error";
  if (status == 408 || status == 504) return "timeout_error";
  if (status == 413) return "request_too_large";
  if (status == 429) return "rate_limit_error";
  if (status == 529 || status == 503) return "overloaded_error";
  return status < 500 ? "invalid_request_error" : "api_error";
}

/** Google's canonical status name for an HTTP status (google.rpc.Code, as its HTTP mapping gives them). */
export function googleStatus(status: i32): string {
  if (status == 400 || status == 405 || status == 413 || status == 422) return "INVALID_ARGUMENT";
  if (status == 401) return "UNAUTHENTICATED";
  if (status == 403) return "PERMISSION_DENIED";
  if (status == 404) return "NOT_FOUND";
  if (status == 409) return "ABORTED";
  if (status == 412 || status == 421) return "FAILED_PRECONDITION";
  if (status == 429) return "RESOURCE_EXHAUSTED";
  if (status == 499) return "CANCELLED";
  if (status == 501) return "UNIMPLEMENTED";
  if (status == 503 || status == 529) return "UNAVAILABLE";
  if (status == 504) return "DEADLINE_EXCEEDED";
  return status < 500 ? "INVALID_ARGUMENT" : "INTERNAL";
}

/** OpenAI's error type for an HTTP status, for errors that arrive without one. */
export function openAIErrorType(status: i32): string {
  if (status == 401) return "authentication_error";
  if (status == 403) return "permission_error";
  if (status == 429) return "rate_limit_error";
  return status < 500 ? "invalid_request_error" : "server_error";
}

/** The JSON-RPC error code for an HTTP status: invalid request for a client's mistake, internal error otherwise. */
export function jsonRpcCode(status: i32): i32 { return status < 500 ? -32600 : -32603; }

/** An error body in `api`'s shape. `code` is OpenAI's (Anthropic has none); `type` may be empty to derive it from the status. */
export function errorBodyFor(api: WireApi, status: i32, type: string, code: string | null, message: string): string {
  const w = new JsonWriter(128 + message.length);
  w.object();
  if (api == WireApi.Mcp) {
    // JSON-RPC 2.0's error object; a refusal at the HTTP level names no request (id null).
    w.key("jsonrpc").string("2.0").key("id").nil();
    w.key("error").object().key("code").number(jsonRpcCode(status)).key("message").string(message);
    if (code !== null) w.key("data").object().key("reason").string(code!.startsWith("llm_mesh.") ? code! : "llm_mesh." + code!).endObject();
    w.endObject();
  } else if (api == WireApi.Anthropic) {
    w.key("type").string("error");
    w.key("error").object().key("type").string(anthropicErrorType(status)).key("message").string(message).endObject();
  } else if (api == WireApi.Gemini) {
    w.key("error").object().key("code").number(status).key("message").string(message).key("status").string(googleStatus(status)).endObject();
  } else {
    w.key("error").object().key("message").string(message).key("type").string(type.length > 0 ? type : openAIErrorType(status)).key("param").nil();
    w.key("code");
    if (code !== null) w.string(code!); else w.nil();
    w.endObject();
  }
  w.endObject();
  return String.UTF8.decodeUnsafe(changetype<usize>(w.toBuffer()), <usize>w.length);
}

/** What a provider said went wrong, from an error body in either shape. */
export class ProviderError {
  message: string = "";
  type: string = "";
  code: string | null = null;
}

function stringMember(v: JsonValue | null, key: string): string | null {
  if (v === null || v.kind != JsonKind.Object) return null;
  const m = v.get(key);
  return m !== null && m.kind == JsonKind.String ? m.text : null;
}

/** Reads an OpenAI- or Anthropic-shaped error (or a bare {"message"}); null when the body is neither. */
export function readProviderError(body: string): ProviderError | null {
  const parsed = parseJson(body, MAX_ANSWER_VALUES);
  if (parsed.value === null || parsed.value!.kind != JsonKind.Object) return null;
  const root = parsed.value!;
  const inner = root.get("error");
  const out = new ProviderError();
  let message: string | null = null;
  if (inner !== null && inner.kind == JsonKind.Object) {
    message = stringMember(inner, "message");
    const type = stringMember(inner, "type");
    if (type !== null) out.type = type;
    out.code = stringMember(inner, "code");
  } else if (inner !== null && inner.kind == JsonKind.String) {
    message = inner.text;
  } else {
    message = stringMember(root, "message");
  }
  if (message === null) return null;
  out.message = message!;
  return out;
}

/**
 * The event that ends a stream which broke off, in the client's stream format: OpenAI's `data:`
 * line holding an error object (what its SDKs raise on), Anthropic's and the Responses API's
 * `event: error`.
 */
export function streamErrorEvent(api: WireApi, message: string): string {
  if (api == WireApi.Anthropic) return "event: error\ndata: " + errorBodyFor(api, 500, "", null, message) + "\n\n";
  if (api == WireApi.Responses) {
    const w = new JsonWriter(96 + message.length);
    w.object().key("type").string("error").key("code").string("stream_interrupted").key("message").string(message).key("param").nil().endObject();
    return "event: error\ndata: " + String.UTF8.decodeUnsafe(changetype<usize>(w.toBuffer()), <usize>w.length) + "\n\n";
  }
  return "data: " + errorBodyFor(api, 500, "server_error", "stream_interrupted", message) + "\n\n";
}

// Errors at the filter edge, in the client's own API format (error-shapes.ts): OpenAI's
// {"error":{"message":"…","type":"…","code":"…"}} or Anthropic's {"type":"error","error":{…}}.
// Messages never carry a key.
import { sendLocalResponse } from "./host";
import { errorBodyFor } from "./error-shapes";
import { WireApi } from "./api";

/** One kind of client-visible failure: HTTP status, OpenAI error type and code. */
export class ErrorKind {
  constructor(public status: u32, public type: string, public code: string) {}
}

export const BAD_REQUEST = new ErrorKind(400, "invalid_request_error", "invalid_request");
export const INVALID_JSON = new ErrorKind(400, "invalid_request_error", "invalid_json");
export const MODEL_REQUIRED = new ErrorKind(400, "invalid_request_error", "model_required");
export const NOT_FOUND = new ErrorKind(404, "invalid_request_error", "unsupported_endpoint");
/** No route serves the client's model (body mode): OpenAI's answer for a model it does not have. */
export const MODEL_NOT_FOUND = new ErrorKind(404, "invalid_request_error", "model_not_found");
export const METHOD_NOT_ALLOWED = new ErrorKind(405, "invalid_request_error", "method_not_allowed");
export const TOO_LARGE = new ErrorKind(413, "invalid_request_error", "request_too_large");
export const INVALID_MODEL = new ErrorKind(400, "invalid_request_error", "invalid_model");
/** Envoy would not send the request to the provider's own destination, so no key was added. */
export const MISDIRECTED = new ErrorKind(421, "invalid_request_error", "destination_not_verified");
export const INTERNAL = new ErrorKind(500, "server_error", "llm_mesh.internal");
/** The provider refused the mesh's key (401/407): the platform team's problem, not the client's. */
export const PROVIDER_AUTH_FAILED = new ErrorKind(502, "server_error", "provider_auth_failed");
/** A provider error whose body was not JSON (an error page): replaced, status kept. */
export const PROVIDER_ERROR = new ErrorKind(502, "server_error", "provider_error");
export const NO_PROVIDER = new ErrorKind(503, "server_error", "no_usable_provider");
/** The chosen backend cannot serve the operation (embeddings on Anthropic, count_tokens on OpenAI). */
export const UNSUPPORTED_OPERATION = new ErrorKind(400, "invalid_request_error", "unsupported_operation");
/** The request is valid JSON but cannot be expressed in the backend's API. */
export const UNTRANSLATABLE = new ErrorKind(400, "invalid_request_error", "unsupported_for_backend");
/** A route's deny rule matched the prompt text (policy/). */
export const CONTENT_DENIED = new ErrorKind(400, "invalid_request_error", "content_policy_violation");
/** A route's prompt template needs a field or header the request does not have. */
export const TEMPLATE_UNFILLED = new ErrorKind(400, "invalid_request_error", "template_field_missing");
/** The field a route returns alone is not in the provider's answer. */
export const EXTRACT_MISSING = new ErrorKind(502, "server_error", "llm_mesh.extract_missing");
/** A provider's success answer that is not what its API documents (translation impossible). */
export const BAD_PROVIDER_RESPONSE = new ErrorKind(502, "server_error", "llm_mesh.translate_failed");

/** The JSON body for an error, in the client's API. */
export function errorBody(kind: ErrorKind, message: string, api: WireApi): string {
  return errorBodyFor(api, kind.status, kind.type, kind.code, message);
}

/** Answers the client directly with an error in its own API's shape. */
export function replyWithError(kind: ErrorKind, message: string, api: WireApi, headerNames: string[] = [], headerValues: string[] = []): void {
  sendLocalResponse(kind.status, "llm_mesh." + kind.code.replace("llm_mesh.", ""), errorBody(kind, message, api),
    ["content-type"].concat(headerNames), ["application/json"].concat(headerValues));
}

/** A local answer instead of forwarding: an error in the client's format, or a body of ours. */
export class Reply {
  /** Extra response headers (a 401's www-authenticate). */
  headerNames: string[] = [];
  headerValues: string[] = [];
  constructor(public kind: ErrorKind | null, public message: string, public status: u32 = 200, public body: string = "") {}
  static error(kind: ErrorKind, message: string): Reply { return new Reply(kind, message); }
  static json(body: string): Reply { return new Reply(null, "", 200, body); }
}

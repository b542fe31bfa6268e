// The response: stamped with the provider and model, and provider errors vetted before the client
// sees them (some echo the key they were sent).
import { Config } from "../config/load";
import { PROVIDER_AUTH_FAILED, PROVIDER_ERROR, errorBody } from "../errors";
import { BufferTypeValues, RESPONSE_HEADERS, getBody, getHeader, removeHeader, replaceBody, setHeader, setHeaderBytes } from "../host";
import { redactedErrorBody } from "./redact";
import { RequestState, ResponseMode } from "./state";
import { H_CONTENT_LENGTH, H_MODEL, H_PROVIDER, H_STATUS } from "./header-names";

/** Provider error bodies larger than this are replaced, not read. */
const MAX_ERROR_BODY_BYTES: i32 = 64 * 1024;

/** Response headers of a forwarded request. */
export function onProviderHeaders(config: Config, state: RequestState): void {
  const status = getHeader(RESPONSE_HEADERS, H_STATUS);
  if (status !== null && status.length == 3 && status.charCodeAt(0) >= 0x34) {
    state.responseStatus = status;
    state.responseMode = status == "401" || status == "407" ? ResponseMode.ReplaceAuth : ResponseMode.Vet;
    if (state.responseMode == ResponseMode.ReplaceAuth) setHeader(RESPONSE_HEADERS, H_STATUS, PROVIDER_AUTH_FAILED.status.toString());
    removeHeader(RESPONSE_HEADERS, H_CONTENT_LENGTH);
  }
  if (config.responseHeaders) {
    setHeaderBytes(RESPONSE_HEADERS, H_PROVIDER, state.backend!.provider.nameBytes);
    setHeader(RESPONSE_HEADERS, H_MODEL, state.model);
  }
}

/** A chunk of a provider error's body: buffered to the end (or the limit), then vetted. True to continue. */
export function onProviderErrorBody(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  if (state.responseMode == ResponseMode.Drop) {
    replaceBody(BufferTypeValues.HttpResponseBody, new ArrayBuffer(0));
    return true;
  }
  if (!endOfStream && bodySize <= MAX_ERROR_BODY_BYTES) return false;
  const provider = state.backend!.provider;
  let text: string | null = null;
  if (state.responseMode == ResponseMode.Vet && bodySize <= MAX_ERROR_BODY_BYTES) {
    const body = getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize);
    if (body !== null) text = redactedErrorBody(body, provider.keys);
  }
  if (text === null) {
    const auth = state.responseMode == ResponseMode.ReplaceAuth;
    const why = auth
      ? "refused the credentials llm-mesh holds for it (HTTP " + state.responseStatus + "); the platform team must check the provider key in the mesh"
      : "answered HTTP " + state.responseStatus + " with a body that is not a JSON error; it was not passed on";
    text = errorBody(auth ? PROVIDER_AUTH_FAILED : PROVIDER_ERROR, "provider \"" + provider.name + "\" " + why);
  }
  replaceBody(BufferTypeValues.HttpResponseBody, String.UTF8.encode(text!));
  // Later chunks of a body over the limit are dropped: the client gets our JSON alone.
  state.responseMode = endOfStream ? ResponseMode.Pass : ResponseMode.Drop;
  return true;
}

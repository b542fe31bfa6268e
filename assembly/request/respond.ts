// The response: stamped with the provider and model; provider errors vetted before the client
// sees them (some echo the key they were sent) and put in the client's API shape; successes from a
// backend of another API translated back, whole (JSON) or event by event as they stream.
import { Config } from "../config/load";
import { isEnvoyAnswer, replaceEnvoyAnswer, responseDetails } from "./failover-answer";
import { BAD_PROVIDER_RESPONSE, EXTRACT_MISSING, PROVIDER_AUTH_FAILED, PROVIDER_ERROR, errorBody } from "../errors";
import { BufferTypeValues, getBody, replaceBody, replaceBodyWith } from "../host";
import { removeResponseHeader, responseHeader, responseHeaderStartsWith, setResponseHeader, setResponseHeaderBytes } from "../headers";
import { JsonWriter } from "../json/writer";
import { NOTHING, SseDecoder, SseEvent } from "../stream/sse";
import { EventStreamDecoder } from "../stream/eventstream";
import { bodyScanner, redactResponseHeaders, secretMatcher } from "./redact";
import { redactedErrorBody } from "../safety/redact-text";
import { SecretScanner } from "../safety/secret-scanner";
import { RequestState, ResponseMode, backendWord } from "./state";
import { H_CONTENT_ENCODING, H_CONTENT_LENGTH, H_CONTENT_TYPE, H_CLAMPED_MAX_TOKENS, H_DROPPED_TOOLS, H_MODEL, H_PROVIDER, H_STATUS, V_JSON } from "./header-names";
import { meterFor } from "../usage/meter";
import { streamErrorEvent } from "../error-shapes";
import { Operation, WireApi } from "../api";
import { decodeStringValue } from "../json/scan";

/** Provider error bodies larger than this are replaced, not read. */
const MAX_ERROR_BODY_BYTES: i32 = 64 * 1024;
/** A translated JSON answer larger than this is replaced by an error rather than held in the VM. */
const MAX_TRANSLATED_BODY_BYTES: i32 = 16 * 1024 * 1024;

/** A header value fit to quote in an error: short, printable ASCII. */
function safeToken(value: string): string {
  let n = min<i32>(value.length, 32);
  for (let i = 0; i < n; i++) { const c = value.charCodeAt(i); if (c < 0x20 || c > 0x7e || c == 0x22 || c == 0x5c) return "?"; }
  return value.substring(0, n);
}

/** The answer's :status, read once for the response header steps. */
export function answerStatus(): string | null {
  return responseHeader(H_STATUS);
}

/**
 * Response headers of a client's request: an error Envoy made itself (a timeout, a refused or reset
 * connection) is put in the client's error shape, naming the provider. True when it was one.
 */
export function onEnvoyAnswerHeaders(config: Config, state: RequestState, status: string | null): bool {
  if (status === null || status.length != 3 || status.charCodeAt(0) < 0x34) return false;
  const details = responseDetails();
  if (!isEnvoyAnswer(details)) return false;
  replaceEnvoyAnswer(state, details!);
  stampProvider(config, state);
  return true;
}

/** Response headers of a forwarded request; `status` is the answer's :status (answerStatus()). */
export function onProviderHeaders(config: Config, state: RequestState, status: string | null): void {
  const failed = status !== null && status.length == 3 && status.charCodeAt(0) >= 0x34;
  // Every header of the provider's answer is checked for secrets (values overwritten, names dropped).
  const matcher = secretMatcher(config.providers);
  if (matcher !== null) redactResponseHeaders();
  if (failed) {
    state.responseStatus = status!;
    state.responseMode = status == "401" || status == "407" ? ResponseMode.ReplaceAuth : ResponseMode.Vet;
    let shown = state.responseMode == ResponseMode.ReplaceAuth ? <i32>PROVIDER_AUTH_FAILED.status : I32.parseInt(status!);
    // The translator decides the status the client's API uses for this error (Anthropic's 529 is OpenAI's 503).
    if (state.responseMode == ResponseMode.Vet && state.translator !== null) shown = state.translator!.error(shown, null, "").status;
    if (shown.toString() != status) setResponseHeader(H_STATUS, shown.toString());
    // The body that follows is JSON of ours or the provider's, uncompressed, of another length.
    if (!state.responseHeadersEnd) describeNewBody(V_JSON);
  } else if (state.translator !== null && status !== null && status.charCodeAt(0) == 0x32) {
    const type = responseHeader(H_CONTENT_TYPE);
    const sse = type !== null && type.startsWith("text/event-stream");
    const binary = type !== null && type.startsWith("application/vnd.amazon.eventstream");
    state.responseMode = sse || binary ? ResponseMode.TranslateStream : ResponseMode.TranslateJson;
    // llm-mesh asked for an uncompressed answer (no accept-encoding upstream) and cannot decompress
    // one: a compressed answer gets an error in the client's shape, in plain text, not garbage.
    const encoding = responseHeader(H_CONTENT_ENCODING);
    if (encoding !== null && encoding != "identity") {
      state.answerUnreadable = "sent a compressed answer (content-encoding: " + safeToken(encoding) + ") though llm-mesh asked for none; llm-mesh cannot decompress it";
      removeResponseHeader(H_CONTENT_ENCODING);
    }
    if (sse || binary) {
      state.events = sse ? new SseDecoder() : new EventStreamDecoder();
      if (state.answerUnreadable.length > 0) { state.events!.broken = true; state.events!.brokenBecause = state.answerUnreadable; }
      state.eventsOut = new JsonWriter(4096);
    }
    // The client gets what the translator writes: SSE whatever framing the provider used, else JSON
    // (an answer it cannot read, compressed say, becomes an error in JSON).
    if (!state.responseHeadersEnd) describeNewBody(sse || binary ? V_EVENT_STREAM : V_JSON);
  } else if (status !== null && status.charCodeAt(0) == 0x32 && hasUsage(state.operation)) {
    // An untranslated success: read its usage as it passes (a cut usage chunk changes the length).
    // Streams are read even without metrics: one that breaks off must end with an error event.
    const sse = responseHeaderStartsWith(H_CONTENT_TYPE, V_EVENT_STREAM);
    // llm-mesh asked for an uncompressed answer; one compressed anyway cannot be read, and is passed on.
    const encoded = responseHeader(H_CONTENT_ENCODING) !== null;
    // JSON is read when metrics or a quota need its usage.
    if (!encoded && (sse || (state.measure !== null || state.reservations.length > 0 || state.consumer !== null && state.consumer!.hasGlobalLimits()) && responseHeaderStartsWith(H_CONTENT_TYPE, V_JSON))) {
      // Untranslated: the answer is in the client's own API.
      state.meter = meterFor(state.clientApi, sse, state.usageInjected && sse);
      state.responseMode = ResponseMode.Meter;
      if (state.usageInjected || sse) removeResponseHeader(H_CONTENT_LENGTH);
    }
  }
  if (state.extract !== null && !failed) readWholeForExtract(state);
  if (matcher !== null && !state.responseHeadersEnd && readable(state)) state.secrets = matcher;
  const measure = state.measure;
  if (measure !== null) {
    measure.status = status !== null ? status : "";
    if (status !== null && status.charCodeAt(0) == 0x32 && hasUsage(state.operation)) {
      if (state.translator !== null) measure.usage = state.translator!.usage;
      else if (state.meter !== null) measure.usage = state.meter!.usage;
      measure.stream = state.responseMode == ResponseMode.TranslateStream || state.meter !== null && state.meter!.stream;
    }
  }
  stampProvider(config, state);
}

/**
 * A route that returns one field of the answer: a JSON success is read whole (translated first when
 * the backend speaks another API, its usage read as usual). A stream or compressed answer passes.
 */
function readWholeForExtract(state: RequestState): void {
  if (state.responseMode == ResponseMode.TranslateJson) return;
  if (state.responseMode == ResponseMode.Meter && state.meter!.stream || state.responseMode != ResponseMode.Meter && state.responseMode != ResponseMode.Pass) return;
  const type = responseHeader(H_CONTENT_TYPE);
  if (type === null || !type.startsWith("application/json") || responseHeader(H_CONTENT_ENCODING) !== null) return;
  if (state.meter === null) state.meter = meterFor(state.clientApi, false, false);
  state.responseMode = ResponseMode.TranslateJson;
  removeResponseHeader(H_CONTENT_LENGTH);
}

const V_EVENT_STREAM = String.UTF8.encode("text/event-stream");

/** Headers for a body the filter writes: its type, no content-encoding, no content-length (it streams). */
export function describeNewBody(type: ArrayBuffer): void {
  setResponseHeaderBytes(H_CONTENT_TYPE, type);
  removeResponseHeader(H_CONTENT_ENCODING);
  removeResponseHeader(H_CONTENT_LENGTH);
}

/**
 * Whether the body can be scanned for secrets: always when the filter writes it (errors,
 * translations); an answer passed on only when it is not compressed (llm-mesh asks for identity;
 * a provider that compresses anyway cannot be read inside the VM: docs/secrets.md).
 */
function readable(state: RequestState): bool {
  if (state.responseMode != ResponseMode.Pass && state.responseMode != ResponseMode.Meter) return true;
  const encoding = responseHeader(H_CONTENT_ENCODING);
  return encoding === null || encoding.length == 0 || encoding == "identity";
}

/**
 * Sends `out` as this chunk of the body, its secrets overwritten; `replaced` when it is not the
 * chunk the provider sent. `last` flushes what the scanner held back (nothing follows).
 */
export function emit(state: RequestState, out: ArrayBuffer, replaced: bool, last: bool): void {
  const secrets = state.secrets;
  if (secrets === null) { if (replaced) replaceBody(BufferTypeValues.HttpResponseBody, out); return; }
  let scanner = state.redactor;
  if (scanner === null) {
    // An answer whole in its first chunk is scanned within this callback: the VM's scanner serves.
    if (last) scanner = bodyScanner(secrets!);
    else { scanner = new SecretScanner(secrets!); state.redactor = scanner; }
  }
  const safe = scanner!.push(out, last);
  if (replaced || scanner!.changed) replaceBody(BufferTypeValues.HttpResponseBody, safe);
}

/** An answer passed on as it is: only scanned for secrets (the same length goes out). */
function scanChunk(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  const chunk = bodySize > 0 ? getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize) : null;
  emit(state, chunk !== null ? chunk! : NOTHING, false, endOfStream);
  return true;
}

/** Stamps the answer with the provider (x-llm-mesh-provider) and the model sent, when the request named one (an MCP call names none). */
export function stampProvider(config: Config, state: RequestState): void {
  // Said whatever responseHeaders is: the client's tools were changed, not only labelled.
  if (state.droppedTools.length > 0) setResponseHeader(H_DROPPED_TOOLS, state.droppedTools);
  if (state.clampedCap.length > 0) setResponseHeader(H_CLAMPED_MAX_TOKENS, state.clampedCap);
  if (!config.responseHeaders) return;
  setResponseHeaderBytes(H_PROVIDER, state.backend!.provider.nameBytes);
  const backend = state.backend!;
  // The backend's fixed model was encoded at load; another (mapped, the client's) is encoded now.
  if (backend.modelBytes !== null && backend.model === state.model) setResponseHeaderBytes(H_MODEL, backend.modelBytes!);
  else if (state.model.length > 0) setResponseHeader(H_MODEL, state.model);
}

/** A chunk of the response body, for every mode but Pass. True to continue, false to keep buffering. */
export function onProviderBody(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  if (state.responseMode == ResponseMode.Meter) return meterChunk(state, bodySize, endOfStream);
  if (state.responseMode == ResponseMode.TranslateStream) return translateStreamChunk(state, bodySize, endOfStream);
  if (state.responseMode == ResponseMode.TranslateJson) return translateJsonBody(state, bodySize, endOfStream);
  if (state.responseMode == ResponseMode.Pass) return scanChunk(state, bodySize, endOfStream);
  return onProviderErrorBody(state, bodySize, endOfStream);
}

/** Operations whose answers report tokens used (count_tokens reports a count, not a use). */
function hasUsage(op: Operation): bool { return op != Operation.CountTokens && op != Operation.GeminiCountTokens; }

/** An untranslated answer's chunk, read for usage; changed only to cut a usage chunk the client did not ask for. */
function meterChunk(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  const chunk = bodySize > 0 ? getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize) : null;
  const meter = state.meter!;
  let out = meter.push(chunk !== null ? chunk! : NOTHING, endOfStream);
  if (endOfStream && !meter.whole()) {
    // The provider's stream ended before its answer: the client hears so in its own stream format.
    const event = String.UTF8.encode(meter.closing() + streamErrorEvent(state.clientApi, "provider \"" + state.backend!.provider.name + "\" ended the stream before the answer was complete"));
    const before = out !== null ? out! : chunk !== null ? chunk! : NOTHING;
    const joined = new ArrayBuffer(before.byteLength + event.byteLength);
    memory.copy(changetype<usize>(joined), changetype<usize>(before), <usize>before.byteLength);
    memory.copy(changetype<usize>(joined) + <usize>before.byteLength, changetype<usize>(event), <usize>event.byteLength);
    out = joined;
  }
  emit(state, out !== null ? out! : chunk !== null ? chunk! : NOTHING, out !== null, endOfStream);
  return true;
}

/** Events complete in this chunk go on translated at once; a partial event waits in the decoder. */
function translateStreamChunk(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  const chunk = bodySize > 0 ? getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize) : null;
  const events = new Array<SseEvent>();
  const decoder = state.events!;
  decoder.push(chunk !== null ? chunk! : NOTHING, endOfStream, events);
  const translator = state.translator!;
  const out = state.eventsOut!;
  out.reset();
  for (let i = 0; i < events.length; i++) translator.event(events[i], out);
  if (decoder.broken) {
    // An event over the limit or a frame that fails its checks: the client hears so in its own stream format.
    translator.abort(out, "provider \"" + state.backend!.provider.name + "\" " + decoder.brokenBecause);
    state.responseMode = ResponseMode.Drop;
  } else if (endOfStream) translator.endStream(out);
  if (state.secrets === null) replaceBodyWith(BufferTypeValues.HttpResponseBody, out.dataPtr, out.length);
  else {
    const bytes = new ArrayBuffer(out.length);
    memory.copy(changetype<usize>(bytes), out.dataPtr, <usize>out.length);
    emit(state, bytes, true, endOfStream || decoder.broken);
  }
  return true;
}

/**
 * The one field a route returns (policy.extract): text as it is (text/plain), other values as JSON.
 * An answer without it is a 502 in the client's shape (the headers were held for this).
 */
function extracted(state: RequestState, answer: ArrayBuffer): ArrayBuffer {
  const policy = state.extract!;
  // Found by the scanner, as templates find the client's fields: no tree.
  const base = changetype<usize>(answer);
  const span = policy.extract!.findSpan(base, answer.byteLength);
  if (span === null || span.firstByte == 0x6e) {
    setResponseHeader(H_STATUS, EXTRACT_MISSING.status.toString());
    setResponseHeader(H_CONTENT_TYPE, "application/json");
    const why = "the provider's answer has no " + policy.extract!.text + " (this route returns only that field)";
    return String.UTF8.encode(errorBody(EXTRACT_MISSING, why, state.clientApi));
  }
  if (span.firstByte == 0x22 && !policy.extractJson) {
    setResponseHeader(H_CONTENT_TYPE, "text/plain; charset=utf-8");
    return String.UTF8.encode(decodeStringValue(base, span.start, span.end, span.escaped));
  }
  setResponseHeader(H_CONTENT_TYPE, "application/json");
  return answer.slice(span.start, span.end);
}

/** A JSON answer is held to its end, translated, and sent as one body. */
function translateJsonBody(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  if (!endOfStream && bodySize <= MAX_TRANSLATED_BODY_BYTES) return false;
  const translator = state.translator;
  const provider = state.backend!.provider;
  let out: ArrayBuffer | null = null;
  if (bodySize <= MAX_TRANSLATED_BODY_BYTES && state.answerUnreadable.length == 0) {
    const body = getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize);
    const whole = body !== null ? body! : new ArrayBuffer(0);
    if (translator !== null) out = translator!.response(whole);
    else { state.meter!.push(whole, true); out = whole; } // the client's own API: only its usage is read
  }
  if (out === null) {
    // The status has gone to the client already; the body says what went wrong, in its API.
    const why = state.answerUnreadable.length > 0 ? state.answerUnreadable
      : bodySize > MAX_TRANSLATED_BODY_BYTES ? "sent an answer larger than llm-mesh translates (" + (MAX_TRANSLATED_BODY_BYTES >> 20).toString() + " MiB)"
      : "sent an answer that is not what its API documents";
    out = String.UTF8.encode(errorBody(BAD_PROVIDER_RESPONSE, "provider \"" + provider.name + "\" " + why, state.clientApi));
    state.answerBroken = true;
  } else if (state.extract !== null) out = extracted(state, out!);
  emit(state, out!, true, true);
  state.responseMode = endOfStream ? ResponseMode.Pass : ResponseMode.Drop;
  return true;
}

/** A chunk of a provider error's body: buffered to the end (or the limit), then vetted. True to continue. */
function onProviderErrorBody(state: RequestState, bodySize: i32, endOfStream: bool): bool {
  if (state.responseMode == ResponseMode.Drop) {
    replaceBody(BufferTypeValues.HttpResponseBody, new ArrayBuffer(0));
    return true;
  }
  if (!endOfStream && bodySize <= MAX_ERROR_BODY_BYTES) return false;
  const provider = state.backend!.provider;
  const status = I32.parseInt(state.responseStatus);
  let text: string | null = null;
  if (state.responseMode == ResponseMode.Vet && bodySize <= MAX_ERROR_BODY_BYTES) {
    const body = getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize);
    if (body !== null) text = redactedErrorBody(body, provider.keys);
  }
  const auth = state.responseMode == ResponseMode.ReplaceAuth;
  const why = auth
    ? "refused the credentials llm-mesh holds for it (HTTP " + state.responseStatus + "); the platform team must check the " + (state.clientApi == WireApi.Mcp ? "server's token" : "provider key") + " in the mesh"
    : "answered HTTP " + state.responseStatus + " with a body that is not a JSON error; it was not passed on";
  const fallback = backendWord(state) + " \"" + provider.name + "\" " + why;
  if (!auth && state.translator !== null) {
    // Another API's error: its message, in the client's shape.
    text = state.translator!.error(status, text, fallback).body;
  } else if (text === null) {
    text = errorBody(auth ? PROVIDER_AUTH_FAILED : PROVIDER_ERROR, fallback, state.clientApi);
  }
  emit(state, String.UTF8.encode(text!), true, true);
  // Later chunks of a body over the limit are dropped: the client gets our JSON alone.
  state.responseMode = endOfStream ? ResponseMode.Pass : ResponseMode.Drop;
  return true;
}

// Body time: one scan validates the JSON and finds the top-level keys; then (body mode) the route
// is chosen on the client's model and a backend picked; the model is resolved and the new body
// spliced with one copy. Nothing here calls the host but the destination check (takeRoute).
import { API_KEY_KEY, Config, GEMINI_CONFIG_KEY, MODEL_KEY, STREAM_KEY, STREAM_OPTIONS_KEY } from "../config/load";
import { QUOTA_FIELDS, clampEdits, outputCap, totalCap } from "../consumers/output-cap";
import { GeminiCapRead, readGeminiCap } from "../consumers/gemini-cap";
import { defaultOutputLimit } from "../consumers/model-output-limits";
import { Backend } from "../routing";
import { capSpans, capSpansInto, poolMaxTokensField, providerOutputCap, quotaCapEdit } from "./quota-cap";
import { JsonWriter } from "../json/writer";
import { BAD_REQUEST, INVALID_JSON, INVALID_MODEL, MODEL_NOT_FOUND, MODEL_REQUIRED, UNSUPPORTED_OPERATION, UNTRANSLATABLE, Reply } from "../errors";
import { translatorFor } from "../translate/registry";
import { operationName, Operation, generates, isGeminiOperation, WireApi } from "../api";
import { nowSeconds } from "../host";
import { JsonKind, parseJson } from "../json/parse";
import { TranslateFacts } from "../translate/translator";
import { ScanResult, ValueSpan, decodeStringValue, scanRequestInto, scanTopLevel } from "../json/scan";
import { isValidUtf8 } from "../json/utf8";
import { SAME_KEY } from "../json/fold";
import { takeCaseVariant } from "../json/members";
import { Edit, applyEdits, jsonString } from "../json/splice";
import { BodyField, Provider } from "../providers/provider";
import { routeForModel, takeRoute } from "./admit";
import { MODEL_NAME_RULE, isSafeModelName } from "../safety/safe-text";
import { admitModel, admitQuota } from "./identify";
import { RequestState } from "./state";
import { applyRequestPolicy } from "../policy/apply";
import { countDroppedTools } from "../metrics/dropped-tools";
import { renameBodyModels } from "../providers/gemini";

/** The body of a refusal: no body (shared: never written). */
const NO_BODY = new ArrayBuffer(0);

/** What the body step decided. */
export class BodyOutcome {
  reply: Reply | null = null;
  /** The body to send: the rewritten one, or the original when nothing changed. */
  body: ArrayBuffer = NO_BODY;
  changed: bool = false;

  static reply(r: Reply): BodyOutcome { const o = new BodyOutcome(); o.reply = r; return o; }
}

/** A complete body, read and checked, its route decided and the route's request policy applied. */
export class ReadyBody {
  reply: Reply | null = null;
  body: ArrayBuffer = NO_BODY;
  /** What readBody found; a refusal's is an empty one (shared: never written). */
  read: ReadBody = NO_READ;
  /** The route's policy rewrote the body. */
  changed: bool = false;

  static reply(r: Reply): ReadyBody { const o = new ReadyBody(); o.reply = r; return o; }
}

/**
 * Reads a complete body. With `chooseRoute` (body mode) the route is chosen here, from
 * state.candidates and the client's model; otherwise it was chosen with the headers. With
 * `applyPolicy` the route's request policy runs (a failover try gets the body its route already made).
 */
export function readClientBody(config: Config, state: RequestState, body: ArrayBuffer, chooseRoute: bool, applyPolicy: bool): ReadyBody {
  let read = readBody(config, state, body, true);
  if (read.reply !== null) return ReadyBody.reply(read.reply!);

  if (chooseRoute) {
    const route = routeForModel(state, read.clientModel);
    // The request is meant for llm-mesh (its headers matched a route), but no route serves this
    // model: answer as OpenAI does for a model it does not have, rather than pass it on keyless.
    if (route === null) {
      return ReadyBody.reply(Reply.error(MODEL_NOT_FOUND, read.clientModel === null
        ? "no llm-mesh route here serves a request without a model; give a model"
        : "no llm-mesh route here serves model \"" + read.clientModel! + "\""));
    }
    const refused = takeRoute(config, state, route!);
    if (refused !== null) return ReadyBody.reply(refused!);
  }
  let policyChanged = false;
  const policy = state.route !== null ? state.route!.policy : null;
  if (policy !== null && applyPolicy && policy.readsRequest()) {
    // The policy reads chat, Messages and Responses bodies: a Gemini body would pass its rules unread.
    if (isGeminiOperation(state.operation)) return ReadyBody.reply(Reply.error(UNSUPPORTED_OPERATION, "llm-mesh route \"" + state.route!.name + "\" has a request policy, which reads no Gemini requests"));
    const applied = applyRequestPolicy(policy, state.headers, state.operation, state.route!.name, body);
    if (applied.reply !== null) return ReadyBody.reply(applied.reply!);
    if (applied.body !== null) {
      body = applied.body!;
      policyChanged = true;
      read = readBody(config, state, body, false);
      if (read.reply !== null) return ReadyBody.reply(read.reply!);
    }
  }
  // Only a whole JSON answer can give up one field; a stream passes as it is.
  if (policy !== null && policy.extract !== null && !streams(body)) state.extract = policy;
  const ready = new ReadyBody();
  ready.body = body;
  ready.read = read;
  ready.changed = policyChanged;
  return ready;
}

/**
 * A failover route's body goes to its pool as the client wrote it (checked, with the quota's cap
 * added); each try is rewritten upstream.
 */
export function poolBody(config: Config, state: RequestState, ready: ReadyBody): BodyOutcome {
  const body = ready.body;
  const read = ready.read;
  const clientModel = read.clientModel;
  const notAllowed = admitModel(state, clientModel !== null ? clientModel! : "");
  if (notAllowed !== null) return BodyOutcome.reply(notAllowed!);
  const quotaModel = clientModel !== null ? clientModel! : "";
  // Each try's model is known only upstream, where its try is clamped.
  const capped = withQuotaCap(config, state, body, read, quotaModel, poolMaxTokensField(state.route!), -1);
  const limited = admitQuota(state, state.route!, quotaModel, body.byteLength, totalCap(capped !== null ? capped.outputCap : read.outputCap, read.choices));
  if (limited !== null) return BodyOutcome.reply(limited!);
  const o = new BodyOutcome(); o.body = capped !== null ? capped.body : body; o.changed = ready.changed || capped !== null; return o;
}

/** The body for the one backend chosen (state.backend): model resolved, caps, quota, translated or spliced. */
export function backendBody(config: Config, state: RequestState, ready: ReadyBody): BodyOutcome {
  let body = ready.body;
  let read = ready.read;
  let policyChanged = ready.changed;
  const clientModel = read.clientModel;
  let scan = read.scan!;
  let base = changetype<usize>(body);
  const backend = state.backend!;
  const model = backend.resolveModel(clientModel);
  if (model === null) return BodyOutcome.reply(Reply.error(MODEL_REQUIRED, "you must provide a model parameter"));
  state.model = model;
  const notAllowed = admitModel(state, clientModel !== null ? clientModel! : model);
  if (notAllowed !== null) return BodyOutcome.reply(notAllowed!);
  // The input is estimated on the client's body, without the caps llm-mesh lowers or adds.
  const clientBytes = body.byteLength;
  const limit = modelLimit(backend, model);
  const clamped = clampToModel(config, state, body, read, limit);
  if (clamped !== null) {
    body = clamped.body; read = clamped.read; policyChanged = true;
    scan = read.scan!; base = changetype<usize>(body);
  }
  if (state.route !== null) {
    const quotaModel = clientModel !== null ? clientModel! : model;
    let cap = providerOutputCap(backend.provider, scan, read.outputCap);
    const capped = cap < 0 ? withQuotaCap(config, state, body, read, quotaModel, backend.provider.maxTokensField(), limit) : null;
    if (capped !== null) {
      body = capped.body; read = capped.read; cap = capped.outputCap; policyChanged = true;
      scan = read.scan!; base = changetype<usize>(body);
    }
    const limited = admitQuota(state, state.route!, quotaModel, clientBytes, totalCap(cap, read.choices));
    if (limited !== null) return BodyOutcome.reply(limited!);
  }
  const provider = backend.provider;
  const refusedModel = provider.refuseModel(model);
  if (refusedModel !== null) return BodyOutcome.reply(Reply.error(INVALID_MODEL, refusedModel!));
  // A provider hosting several vendors' models speaks the model's vendor's API.
  const api = provider.apiFor(model);
  if (api != provider.api()) {
    state.translator = api == state.clientApi ? null : translatorFor(state.clientApi, api, state.operation);
    if (state.translator === null && api != state.clientApi) return BodyOutcome.reply(Reply.error(UNSUPPORTED_OPERATION, "provider \"" + provider.name + "\" serves model \"" + model + "\" with an API llm-mesh does not translate " + operationName(state.operation) + " to"));
  }

  const outcome = state.translator !== null ? translated(config, state, body, model) : spliced(config, state, base, body, scan, clientModel, model);
  if (outcome.reply !== null) return outcome;
  // Gemini to Gemini, the route's model instead of the path's: methods that name it in the body too.
  if (state.translator === null && clientModel !== null && clientModel != model && (state.operation == Operation.GeminiBatchEmbed || state.operation == Operation.GeminiCountTokens)) {
    const renamed = renameBodyModels(outcome.body, model);
    if (renamed !== null) { outcome.body = renamed!; outcome.changed = true; }
  }
  outcome.changed = outcome.changed || policyChanged;
  if (provider.pathFromBody() && state.upstreamPath === null) state.upstreamPath = String.UTF8.encode(provider.bodyTimePath(state.operation, model, streams(outcome.body)));
  const finished = provider.finishBody(outcome.body, model);
  if (finished !== null) { outcome.body = finished!; outcome.changed = true; }
  return outcome;
}

/** The largest output cap the backend's model accepts: the backend's maxOutputTokens, else its provider's, else model-output-limits.ts; -1: unknown. */
function modelLimit(backend: Backend, model: string): i64 {
  return backend.maxOutputTokens > 0 ? backend.maxOutputTokens
    : backend.provider.maxOutputTokens > 0 ? backend.provider.maxOutputTokens : defaultOutputLimit(model);
}

/**
 * The body with its output caps lowered to the model's `limit` (modelLimit), read again; null when
 * none is above it. The quota then reserves the clamped cap, the one the provider enforces.
 */
function clampToModel(config: Config, state: RequestState, body: ArrayBuffer, read: ReadBody, limit: i64): CappedBody | null {
  if (read.outputCap < 0 || limit < 0 || read.outputCap <= limit) return null;
  const base = changetype<usize>(body);
  const edits = clampEdits(base, read.capSpans, limit);
  const out = applyEdits(base, body.byteLength, edits);
  const again = readBody(config, state, out, false);
  if (again.reply !== null) return null;
  state.clampedCap = read.outputCap.toString() + "->" + limit.toString();
  return new CappedBody(out, again, limit);
}

/** A body with the cap llm-mesh added for a consumer's quota, read again. */
class CappedBody {
  constructor(public body: ArrayBuffer, public read: ReadBody, public outputCap: i64) {}
}

/** The body with the cap llm-mesh adds for a consumer's quota (quota-cap.ts, at most `limit`), read again; null when none is added. */
function withQuotaCap(config: Config, state: RequestState, body: ArrayBuffer, read: ReadBody, model: string, chatField: string, limit: i64): CappedBody | null {
  const added = quotaCapEdit(state, read.scan!, read.gemini, read.outputCap, model, chatField, limit);
  if (added === null) return null;
  const edits = new Array<Edit>(); edits.push(added.edit);
  const out = applyEdits(changetype<usize>(body), body.byteLength, edits);
  const again = readBody(config, state, out, false);
  return again.reply === null ? new CappedBody(out, again, added.cap) : null;
}

/** A body's top-level keys and model, read and checked. */
class ReadBody {
  scan: ScanResult | null = null;
  clientModel: string | null = null;
  /** The output cap the client named (max_tokens and kin), -1: none; per answer, of `choices` answers. */
  outputCap: i64 = -1;
  choices: i64 = 1;
  /** The cap fields' spans in QUOTA_FIELDS order (a Gemini body's: readGeminiCap). */
  capSpans: ValueSpan[] = NO_SPANS;
  /** A Gemini generate body's generationConfig, read; null for other operations. */
  gemini: GeminiCapRead | null = null;
  reply: Reply | null = null;
  /** The array capSpans is filled into, for the reading reused from request to request (readFor); null for others. */
  ownCapSpans: ValueSpan[] | null = null;
}

const NO_SPANS: ValueSpan[] = [];
const NO_READ = new ReadBody();
/** The first reading's result, reused as its scan is (scanFor). */
let firstRead: ReadBody | null = null;

function readFor(first: bool): ReadBody {
  if (!first) return new ReadBody();
  let r = firstRead;
  if (r === null) { r = new ReadBody(); r.ownCapSpans = new Array<ValueSpan>(QUOTA_FIELDS.length); firstRead = r; }
  r.scan = null; r.clientModel = null; r.outputCap = -1; r.choices = 1; r.capSpans = NO_SPANS; r.gemini = null; r.reply = null;
  return r!;
}

/**
 * The scan (and result: readFor) of a request's first reading of its body, reused from request to request: the body is
 * read and sent within one callback, and nothing keeps the scan past it. A body read again (after
 * the policy or a cap rewrote it) gets a scan of its own, so a failed second reading leaves the
 * first one whole.
 */
let firstScan: ScanResult | null = null;

function scanFor(config: Config, first: bool): ScanResult {
  const n = config.wantedKeys.length;
  if (!first) return new ScanResult(n);
  let scan = firstScan;
  if (scan === null || scan.spans.length != n) { scan = new ScanResult(n); firstScan = scan; }
  return scan;
}

/** Reads a body's top-level keys; `first`: the callback's first reading (see scanFor). */
function readBody(config: Config, state: RequestState, body: ArrayBuffer, first: bool): ReadBody {
  const out = readFor(first);
  const base = changetype<usize>(body);
  const scan = scanRequestInto(scanFor(config, first), base, body.byteLength, config.wantedKeys);
  if (scan.error !== null) { out.reply = Reply.error(INVALID_JSON, scan.error!); return out; }
  for (let i = 0; i < scan.spans.length; i++) {
    if (scan.spans[i].count > 1) {
      out.reply = Reply.error(BAD_REQUEST, "duplicate top-level key \"" + String.UTF8.decode(config.wantedKeys[i]) + "\" in request body" + SAME_KEY);
      return out;
    }
  }
  out.scan = scan;
  // One reading of stream and stream_options for llm-mesh and every provider: a lenient parser
  // would take "true" or 1 as a stream llm-mesh did not see, and null options would skip usage.
  const stream = scan.spans[STREAM_KEY];
  if (stream.count == 1 && stream.firstByte != 0x74 && stream.firstByte != 0x66) { out.reply = Reply.error(BAD_REQUEST, "stream must be true or false"); return out; }
  const options = scan.spans[STREAM_OPTIONS_KEY];
  if (options.count == 1 && options.firstByte != 0x7b) { out.reply = Reply.error(BAD_REQUEST, "stream_options must be an object (leave it out rather than send null)"); return out; }
  out.capSpans = out.ownCapSpans !== null ? capSpansInto(out.ownCapSpans!, scan.spans) : capSpans(scan.spans);
  let names = QUOTA_FIELDS;
  // A Gemini client names its cap inside generationConfig; the top-level fields are no Gemini fields.
  if (isGeminiOperation(state.operation) && generates(state.operation)) {
    const gemini = readGeminiCap(base, scan.spans[GEMINI_CONFIG_KEY], scan.spans[GEMINI_CONFIG_KEY + 1]);
    if (gemini.error !== null) { out.reply = Reply.error(BAD_REQUEST, gemini.error!); return out; }
    out.gemini = gemini; out.capSpans = gemini.spans; names = gemini.names;
  }
  const cap = outputCap(state.operation, base, out.capSpans, names);
  if (cap.error !== null) { out.reply = Reply.error(BAD_REQUEST, cap.error!); return out; }
  out.outputCap = cap.cap;
  out.choices = cap.choices;
  const modelSpan = scan.spans[MODEL_KEY];
  if (modelSpan.count == 1) {
    if (modelSpan.firstByte != 0x22) { out.reply = Reply.error(BAD_REQUEST, "model must be a string"); return out; }
    if (!isValidUtf8(base + <usize>modelSpan.start, modelSpan.end - modelSpan.start)) { out.reply = Reply.error(INVALID_MODEL, "model must be " + MODEL_NAME_RULE); return out; }
    const clientModel = decodeStringValue(base, modelSpan.start, modelSpan.end, modelSpan.escaped);
    // The model is echoed in a response header and may reach a provider path: never unchecked.
    if (!isSafeModelName(clientModel)) { out.reply = Reply.error(INVALID_MODEL, "model must be " + MODEL_NAME_RULE); return out; }
    out.clientModel = clientModel;
  }
  // A Gemini client names its model in the path (checked there); a body's "model" is no routing input.
  if (state.pathModel !== null) out.clientModel = state.pathModel;
  return out;
}

/** The client's body with the route's edits spliced in (same API on both sides). */
function spliced(config: Config, state: RequestState, base: usize, body: ArrayBuffer, scan: ScanResult, clientModel: string | null, model: string): BodyOutcome {
  const edits = bodyEdits(state.backend!.provider, state.operation, scan.spans, scan.closeBrace, scan.memberCount, clientModel, model, modelJson(state.backend!, model));
  // Metrics and quotas want the stream's usage.
  if ((config.metrics.enabled || state.reservations.length > 0 || state.globalReserved >= 0) && wantsStreamUsage(state, base, scan)) {
    const options = scan.spans[STREAM_OPTIONS_KEY];
    const withUsage = streamOptionsWithUsage(base, options);
    if (withUsage !== null) {
      state.usageInjected = true;
      if (options.count == 0) edits.push(new Edit(scan.closeBrace, scan.closeBrace, String.UTF8.encode(",\"stream_options\":" + withUsage!)));
      else edits.push(new Edit(options.start, options.end, String.UTF8.encode(withUsage!)));
    }
  }
  const outcome = new BodyOutcome();
  outcome.changed = edits.length > 0;
  outcome.body = outcome.changed ? applyEdits(base, body.byteLength, edits) : body;
  return outcome;
}

/**
 * An OpenAI chat or completions stream to a provider that reports usage only when asked: llm-mesh
 * asks (stream_options.include_usage), and the meter cuts the extra chunk from the client's stream.
 */
function wantsStreamUsage(state: RequestState, base: usize, scan: ScanResult): bool {
  const provider = state.backend!.provider;
  if (state.operation != Operation.ChatCompletions && state.operation != Operation.Completions) return false;
  if (!provider.injectStreamUsage || provider.api() != WireApi.OpenAI || isOverridden(provider, "stream_options")) return false;
  // The stream flag that goes upstream: the provider's override, else the client's, else the provider's default.
  const forced = fieldValue(provider.overrides, "stream");
  if (forced !== null) return forced == "true";
  const stream = scan.spans[STREAM_KEY];
  if (stream.count == 1) return stream.firstByte == 0x74;
  const fallback = fieldValue(provider.defaults, "stream");
  return fallback !== null && fallback == "true";
}

/** A configured body field's JSON text, or null. */
function fieldValue(fields: BodyField[], key: string): string | null {
  for (let i = 0; i < fields.length; i++) if (fields[i].key == key) return String.UTF8.decode(fields[i].valueJson);
  return null;
}

/** The client's stream_options with include_usage true, as JSON; null when it already asks (or is not an object). */
function streamOptionsWithUsage(base: usize, span: ValueSpan): string | null {
  if (span.count == 0) return "{\"include_usage\":true}";
  if (span.firstByte != 0x7b) return null; // not an object: the provider's 400 tells the client
  const parsed = parseJson(String.UTF8.decodeUnsafe(base + <usize>span.start, <usize>(span.end - span.start)));
  if (parsed.value === null) return null;
  const options = parsed.value!;
  const current = options.get("include_usage");
  if (current !== null && current.kind == JsonKind.Bool && current.boolValue) return null;
  const w = new JsonWriter(64);
  w.object();
  for (let i = 0; i < options.keys.length; i++) if (options.keys[i] != "include_usage") w.key(options.keys[i]).value(options.items[i]);
  w.key("include_usage").boolean(true).endObject();
  return String.UTF8.decode(w.toBuffer());
}

const STREAM_KEYS = [String.UTF8.encode("stream")];

/** Whether a (valid JSON) body asks for a stream: "stream": true at the top. */
function streams(body: ArrayBuffer): bool {
  const keys = StaticArray.fromArray<ArrayBuffer>(STREAM_KEYS);
  const scan = scanTopLevel(changetype<usize>(body), body.byteLength, keys);
  return scan.error === null && scan.spans[0].count == 1 && scan.spans[0].firstByte == 0x74;
}

/**
 * The body in the backend's API: parsed whole (translation needs every field), written anew by the
 * translator, then the provider's defaults and overrides applied to it as to a native request.
 */
function translated(config: Config, state: RequestState, body: ArrayBuffer, model: string): BodyOutcome {
  // The translator writes llm-mesh's reading of the text: it must be every reader's (json/utf8.ts).
  if (!isValidUtf8(changetype<usize>(body), body.byteLength)) return BodyOutcome.reply(Reply.error(INVALID_JSON, "request body is not valid JSON: invalid UTF-8"));
  const parsed = parseJson(String.UTF8.decode(body));
  if (parsed.value === null) return BodyOutcome.reply(Reply.error(INVALID_JSON, "request body is not valid JSON: " + parsed.error));
  const provider = state.backend!.provider;
  const facts = new TranslateFacts();
  facts.model = model;
  facts.defaultMaxTokens = provider.defaultMaxTokens();
  facts.maxTokensField = provider.maxTokensField();
  facts.promptCacheKey = provider.takesPromptCacheKey();
  facts.nowSeconds = nowSeconds();
  facts.secrets = provider.keys;
  facts.refuseHostedTools = state.route!.refuseHostedTools;
  takeCaseVariant();
  const result = state.translator!.request(parsed.value!, facts);
  const variant = takeCaseVariant();
  if (variant !== null) return BodyOutcome.reply(Reply.error(BAD_REQUEST, "duplicate key \"" + variant! + "\" in request body" + SAME_KEY));
  if (result.body === null) return BodyOutcome.reply(Reply.error(UNTRANSLATABLE, result.error !== null ? result.error! : "the request cannot be translated"));
  if (result.dropped.length > 0) {
    state.droppedTools = result.dropped.join(",");
    if (config.metrics.enabled) countDroppedTools(state.route!.name, result.dropped);
  }
  if (provider.pathFromBody()) state.upstreamPath = String.UTF8.encode(provider.bodyTimePath(state.operation, model, result.stream));
  const out = result.body!;
  const base = changetype<usize>(out);
  const scan = scanTopLevel(base, out.byteLength, config.wantedKeys);
  const outcome = new BodyOutcome();
  outcome.changed = true;
  outcome.body = out;
  if (scan.error !== null) return outcome; // unreachable: the translator writes valid JSON
  const edits = bodyEdits(provider, state.operation, scan.spans, scan.closeBrace, scan.memberCount, model, model, modelJson(state.backend!, model));
  if (edits.length > 0) outcome.body = applyEdits(base, out.byteLength, edits);
  return outcome;
}

/** `model` as a JSON string literal in UTF-8: the backend's, encoded at load, when it is its fixed model. */
function modelJson(backend: Backend, model: string): ArrayBuffer {
  return backend.modelJson !== null && backend.model === model ? backend.modelJson! : String.UTF8.encode(jsonString(model));
}

function bodyEdits(provider: Provider, op: Operation, spans: StaticArray<ValueSpan>, closeBrace: i32, memberCount: i32, clientModel: string | null, model: string, modelJson: ArrayBuffer): Array<Edit> {
  const edits = new Array<Edit>();
  // Members to add at the end (rare: most requests name their model, and most providers add nothing).
  let inserts: Array<string> | null = null;
  // A key a client put in the body (api_key) goes nowhere.
  const keySpan = spans[API_KEY_KEY];
  let members = memberCount;
  if (keySpan.count == 1) {
    edits.push(new Edit(keySpan.removeStart, keySpan.removeEnd, new ArrayBuffer(0)));
    members--;
  }
  const modelSpan = spans[MODEL_KEY];
  // A Gemini request's model is in its path (the provider rebuilds it); its body has none to set.
  const modelInBody = !isGeminiOperation(op);
  if (modelInBody && clientModel === null) inserts = ["\"model\":" + String.UTF8.decode(modelJson)];
  else if (modelInBody && clientModel != model) edits.push(new Edit(modelSpan.start, modelSpan.end, modelJson));
  // Only generation requests take generation defaults such as stream or temperature.
  if (generates(op)) {
    for (let i = 0; i < provider.overrides.length; i++) {
      const f = provider.overrides[i];
      const span = spans[f.spanIndex];
      if (span.count == 1) edits.push(new Edit(span.start, span.end, f.valueJson));
      else inserts = withMember(inserts, jsonString(f.key) + ":" + String.UTF8.decode(f.valueJson));
    }
    for (let i = 0; i < provider.defaults.length; i++) {
      const f = provider.defaults[i];
      if (spans[f.spanIndex].count == 0 && !isOverridden(provider, f.key)) inserts = withMember(inserts, jsonString(f.key) + ":" + String.UTF8.decode(f.valueJson));
    }
  }
  if (inserts !== null) {
    const text = (members > 0 ? "," : "") + inserts!.join(",");
    edits.push(new Edit(closeBrace, closeBrace, String.UTF8.encode(text)));
  }
  return edits;
}

function withMember(members: Array<string> | null, member: string): Array<string> {
  const list = members !== null ? members! : new Array<string>();
  list.push(member);
  return list;
}

function isOverridden(provider: Provider, key: string): bool {
  for (let i = 0; i < provider.overrides.length; i++) if (provider.overrides[i].key == key) return true;
  return false;
}

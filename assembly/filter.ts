// The HTTP filter's callbacks: each turns one ABI event into steps of one request (request/).
// Headers mode: route and rewrite the headers when they arrive, rewrite the body in flight.
// Body mode (Envoy's allow_on_headers_stop_iteration): hold the headers, read the whole body,
// then route (on the model too), rewrite headers and body together, and send.
import { Context, FilterDataStatusValues, FilterHeadersStatusValues, FilterTrailersStatusValues, RootContext } from "@solo-io/proxy-runtime/assembly";
import { Config, FilterRole, RequestMode, loadConfig } from "./config/load";
import { BAD_REQUEST, INTERNAL, replyWithError, Reply } from "./errors";
import { BufferTypeValues, LogLevelValues, REQUEST_HEADERS, bufferedSize, nowMillis, defineGauge, getBody, getProperty, log, propertyPath, readEnvironment, recordGauge, replaceBody, sendLocalResponse, setTickPeriod } from "./host";
import { HeaderSnapshot } from "./headers";
import { admit, takeRoute, tooLarge } from "./request/admit";
import { decideOnBody } from "./request/body";
import { onProviderBody, onProviderHeaders } from "./request/respond";
import { Hold, RequestState, ResponseMode } from "./request/state";
import { writePoolHeaders, writeUpstreamHeaders } from "./request/upstream-headers";
import { chooseRestedKey, holdFor, onTryAnswer, sendTry, showHeldAnswer, showToEnvoy, startTry, vetHeldAnswer } from "./request/failover-try";
import { onEnvoyAnswerBody, onPoolAnswer } from "./request/failover-answer";
import { chargeQuota, reserveGlobalAtHeaders, writeUsedTokens } from "./request/identify";
import { prepareCounters } from "./consumers/quota";
import { TokenCalls } from "./token-refresh";
import { finishMeasure, measureChunk, measureForwarded, startMeasure } from "./request/measure";
import { forgetLocalIdentity } from "./request/caller";
import { forgetMetricSets, tag } from "./metrics/record";

/** The tick that reports memory and refreshes tokens; the first one after a configuration comes sooner. */
const TICK_MS: u32 = 1000;
const FIRST_TICK_MS: u32 = 20;
const VM_ID = propertyPath(["plugin_vm_id"]);
const PLUGIN_NAME = propertyPath(["plugin_name"]);

/** The VM's id (Envoy's vm_config.vm_id), else the plugin's name (Istio: namespace.WasmPlugin). */
function vmName(): string {
  const id = getProperty(VM_ID);
  if (id !== null && id.length > 0) return id;
  const name = getProperty(PLUGIN_NAME);
  return name !== null && name.length > 0 ? name : "llm-mesh";
}

/** Holds the compiled configuration; replaced whole when a new one loads. */
export class LlmMeshRoot extends RootContext {
  config: Config | null = null;
  /** Requests this VM has seen; only VMs that serve traffic report memory (not Envoy's main-thread VM). */
  requestsSeen: u64 = 0;
  private memoryGauge: u32 = 0;
  private tokenCalls: TokenCalls = new TokenCalls();

  /** Set by a configuration: the next tick is soon, and asks for tokens. */
  private firstTickDue: bool = false;

  /** Reports the VM's linear memory (so operators and the soak benchmark see it stay flat); refreshes providers' tokens. */
  onTick(): void {
    if (this.firstTickDue) { this.firstTickDue = false; setTickPeriod(TICK_MS); }
    if (this.requestsSeen > 0) recordGauge(this.memoryGauge, <u64>memory.size() << 16);
    if (this.config !== null) this.tokenCalls.refresh(this.config!);
  }

  onHttpCallResponse(token: u32, headers: u32, bodySize: u32, trailers: u32): void {
    if (!this.tokenCalls.onResponse(token, bodySize)) super.onHttpCallResponse(token, headers, bodySize, trailers);
  }

  createContext(contextId: u32): Context {
    return new LlmMeshStream(contextId, this);
  }

  onConfigure(configurationSize: u32): bool {
    super.onConfigure(configurationSize);
    const result = loadConfig(this.getConfiguration(), readEnvironment());
    const d = result.diagnostics;
    for (let i = 0; i < d.warnings.length; i++) log(LogLevelValues.warn, "llm-mesh: config warning: " + d.warnings[i]);
    if (result.config === null) {
      for (let i = 0; i < d.errors.length; i++) log(LogLevelValues.error, "llm-mesh: config error: " + d.errors[i]);
      log(LogLevelValues.error, "llm-mesh: configuration rejected (" + d.errors.length.toString() + " problem" + (d.errors.length == 1 ? "" : "s") + "); the previous configuration, if any, stays in force");
      return false;
    }
    this.config = result.config;
    prepareCounters(result.config!.consumers.list, nowMillis());
    forgetMetricSets();
    forgetLocalIdentity();
    // One gauge per VM: several llm-mesh VMs in one Envoy (a listener each, say) would share an unlabelled one.
    if (this.memoryGauge == 0) this.memoryGauge = defineGauge(tag("llm_mesh_vm", vmName()) + "llm_mesh_vm_memory_bytes");
    // Tokens fetched by the filter (Vertex AI on GKE) are asked for on a first tick FIRST_TICK_MS
    // from now, never here: Envoy configures a cluster's upstream filters (a failover pool's) while
    // it is still loading clusters, and an HTTP callout from onConfigure then dereferences the
    // cluster manager before it exists (Envoy 1.40: segfault at start).
    this.firstTickDue = true;
    setTickPeriod(FIRST_TICK_MS);
    const mode = result.config!.role == FilterRole.Upstream ? "upstream (failover tries)" : result.config!.requestMode == RequestMode.Body ? "body" : "headers";
    log(LogLevelValues.info, "llm-mesh: configuration loaded: " + result.config!.providers.length.toString() + " providers, " + result.config!.routes.length.toString() + " routes, request mode " + mode);
    return true;
  }
}

class LlmMeshStream extends Context {
  private state: RequestState = new RequestState();
  /** The config this request started with (a reload mid-request does not change it). */
  private config: Config | null = null;
  /**
   * A refusal decided with the request headers, sent once the body is read (body mode): Envoy
   * closes an HTTP/1 connection whose request is not read to its end when the answer goes out.
   */
  private refusal: Reply | null = null;
  private refusalBodyBytes: i64 = 0;

  constructor(contextId: u32, root: LlmMeshRoot) {
    super(contextId, root);
  }

  onRequestHeaders(_headerCount: u32, endOfStream: bool): FilterHeadersStatusValues {
    const root = this.root_context as LlmMeshRoot;
    const config = root.config;
    if (config === null) return FilterHeadersStatusValues.Continue;
    this.config = config;
    root.requestsSeen++;
    const state = this.state;
    const headers = HeaderSnapshot.read(REQUEST_HEADERS);
    state.headers = headers;
    if (config.role == FilterRole.Upstream) return this.startTry(config, headers, endOfStream);
    const reply = admit(config, headers, state, endOfStream);
    if (reply !== null) {
      // Body mode only: in headers mode Envoy may lack allow_on_headers_stop_iteration, and then no body callback would come.
      const readFirst = !endOfStream && config.requestMode == RequestMode.Body && (reply!.kind === null || reply!.kind!.status != 413);
      if (!readFirst) return this.answer(reply!);
      this.refusal = reply;
      return FilterHeadersStatusValues.StopIteration;
    }
    if (state.settled) return FilterHeadersStatusValues.Continue;
    startMeasure(config, state);
    // Body mode: nothing goes upstream until the body is read and valid. (admit() answered a
    // request without a body, so this never stops a stream that has ended: Envoy would hang.)
    if (config.requestMode == RequestMode.Body) return FilterHeadersStatusValues.StopIteration;

    // Headers mode: the route and backend are decided now; Proxy-Wasm hosts without the flag turn
    // a StopIteration here into StopAllIteration, so the body callback would never run.
    const refused = takeRoute(config, state, state.candidates[0]);
    if (refused !== null) return this.answer(refused!);
    reserveGlobalAtHeaders(state, headers);
    // Envoy re-selects the route on the new :authority because this module exports ABI 0.2.1.
    if (state.pooled) {
      // Each try is rewritten, body included, in the pool's upstream filter; the route's policy is applied here.
      const policy = state.route!.policy;
      // A consumer's quotas read the body too (its output cap), or the route would go unlimited.
      const readsBody = policy !== null && policy.readsRequest() || state.consumer !== null && state.consumer!.limits.length > 0;
      writePoolHeaders(headers, state, readsBody ? -1 : -2);
      state.settled = !readsBody;
      state.forwarded = true;
      return FilterHeadersStatusValues.Continue;
    }
    chooseRestedKey(state);
    writeUpstreamHeaders(headers, state, -1);
    return FilterHeadersStatusValues.Continue;
  }

  /** Upstream role: a try of a failover route, held until its body is read (the router replays it whole). */
  private startTry(config: Config, headers: HeaderSnapshot, endOfStream: bool): FilterHeadersStatusValues {
    const state = this.state;
    const reply = startTry(config, headers, state);
    if (reply !== null) return this.answer(reply!);
    if (state.settled) return FilterHeadersStatusValues.Continue;
    if (endOfStream) return this.answer(Reply.error(BAD_REQUEST, "a JSON request body is required"));
    startMeasure(config, state);
    return FilterHeadersStatusValues.StopIteration;
  }

  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    const state = this.state;
    if (this.refusal !== null) return this.drainRefused(bodySize, endOfStream);
    if (state.settled || this.config === null) return FilterDataStatusValues.Continue;
    const config = this.config!;
    if (<i64>bodySize > config.maxRequestBodyBytes) {
      this.answer(tooLarge(config));
      return FilterDataStatusValues.StopIterationNoBuffer;
    }
    if (!endOfStream) return FilterDataStatusValues.StopIterationAndBuffer;
    return this.finishBody(<u32>bodySize) ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationNoBuffer;
  }

  onRequestTrailers(_count: u32): FilterTrailersStatusValues {
    // With trailers the body never arrives with end_of_stream set: finish here.
    if (this.refusal !== null) { this.drainRefused(0, true); return FilterTrailersStatusValues.StopIteration; }
    if (this.state.settled || this.config === null) return FilterTrailersStatusValues.Continue;
    // The buffered size is not passed to this callback; ask the host for it.
    return this.finishBody(bufferedSize(BufferTypeValues.HttpRequestBody)) ? FilterTrailersStatusValues.Continue : FilterTrailersStatusValues.StopIteration;
  }

  onResponseHeaders(_headerCount: u32, endOfStream: bool): FilterHeadersStatusValues {
    const state = this.state;
    if (!state.forwarded) return FilterHeadersStatusValues.Continue;
    state.responseHeadersEnd = endOfStream;
    state.responseBytes = 0;
    if (state.pooled) { onPoolAnswer(this.config!, state); return FilterHeadersStatusValues.Continue; }
    const upstream = this.config!.role == FilterRole.Upstream;
    // A 429 rests the key that got it, on every route whose keys take turns.
    const rateLimited = onTryAnswer(state) && upstream;
    onProviderHeaders(this.config!, this.state);
    if (upstream) showToEnvoy(rateLimited);
    if (endOfStream) { measureChunk(this.config!, this.state, 0, true); writeUsedTokens(state); }
    if (upstream) state.hold = holdFor(state, endOfStream);
    // A route returning one field of the answer: its status and content type wait for the whole answer.
    else if (state.extract !== null && state.responseMode == ResponseMode.TranslateJson && !endOfStream) state.hold = Hold.Whole;
    return state.hold == Hold.None ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    const state = this.state;
    if (state.envoyAnswer !== null || state.pooled) {
      const go = onEnvoyAnswerBody(state);
      if (endOfStream) writeUsedTokens(state);
      return go ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationAndBuffer;
    }
    // A held answer is buffered by the host and read once, whole, at its end.
    const held = state.hold == Hold.Whole;
    const upstream = this.config!.role == FilterRole.Upstream;
    if (held && !endOfStream) return FilterDataStatusValues.StopIterationAndBuffer;
    state.responseBytes += <i64>bodySize;
    state.hold = Hold.None;
    if (held && upstream) vetHeldAnswer(state, <i32>bodySize);
    const go = state.responseMode == ResponseMode.Pass && state.redactor === null || onProviderBody(state, <i32>bodySize, endOfStream);
    if (held) showHeldAnswer(state);
    // After the body step: at the end, the usage it read goes to the access log (and global quotas).
    if (state.measure !== null) measureChunk(this.config!, state, <i32>bodySize, endOfStream);
    if (endOfStream) writeUsedTokens(state);
    return go ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationAndBuffer;
  }

  onDone(): bool {
    if (this.config !== null) finishMeasure(this.config!, this.state);
    chargeQuota(this.state);
    return super.onDone();
  }

  /** The whole body is buffered: decide, rewrite, send. False when it answered locally. */
  private finishBody(bodySize: u32): bool {
    const state = this.state;
    const config = this.config!;
    const upstream = config.role == FilterRole.Upstream;
    const bodyMode = upstream || config.requestMode == RequestMode.Body;
    const body = getBody(BufferTypeValues.HttpRequestBody, 0, bodySize);
    const outcome = decideOnBody(config, state, body !== null ? body! : new ArrayBuffer(0), bodyMode && !upstream);
    if (outcome.reply !== null) { this.answer(outcome.reply!); return false; }
    state.settled = true;
    if (outcome.changed && !replaceBody(BufferTypeValues.HttpRequestBody, outcome.body)) {
      this.answer(Reply.error(INTERNAL, "could not replace the request body"));
      return false;
    }
    state.forwarded = true;
    if (state.pooled) {
      // To the route's pool as the client sent it (or as the route's policy made it); each try is rewritten upstream (and measured there).
      if (bodyMode) writePoolHeaders(state.headers!, state, outcome.body.byteLength);
      return true;
    }
    if (upstream) sendTry(state);
    else if (bodyMode) chooseRestedKey(state);
    // Body mode: the headers were held; now they go with an exact content-length.
    if (bodyMode) writeUpstreamHeaders(state.headers!, state, outcome.body.byteLength, outcome.body);
    measureForwarded(config, state, bodySize);
    return true;
  }

  /** Reads and drops a refused request's body (never buffered), then answers; a body past the limit is answered at once. */
  private drainRefused(chunkSize: usize, endOfStream: bool): FilterDataStatusValues {
    this.refusalBodyBytes += <i64>chunkSize;
    if (endOfStream || this.refusalBodyBytes > this.config!.maxRequestBodyBytes) {
      const reply = this.refusal!;
      this.refusal = null;
      this.answer(reply);
    }
    return FilterDataStatusValues.StopIterationNoBuffer;
  }

  private answer(reply: Reply): FilterHeadersStatusValues {
    this.state.settled = true;
    if (reply.kind !== null) replyWithError(reply.kind!, reply.message, this.state.clientApi, reply.headerNames, reply.headerValues);
    else sendLocalResponse(reply.status, "llm_mesh.local", reply.body, ["content-type"], ["application/json"]);
    return FilterHeadersStatusValues.StopIteration;
  }
}

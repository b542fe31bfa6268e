// The HTTP filter: the root context holds the compiled config; each stream hands its callbacks to
// the pipeline for its kind of request (pipelines/): a client's request (headers or body mode),
// then a plain or a pooled one once its route is decided, or a failover route's try upstream.
import { Context, FilterDataStatusValues, FilterHeadersStatusValues, FilterTrailersStatusValues, RootContext } from "@solo-io/proxy-runtime/assembly";
import { Config, FilterRole, RequestMode, loadConfig } from "./config/load";
import { BufferTypeValues, LogLevelValues, bufferedSize, nowMillis, defineGauge, getProperty, log, propertyPath, readEnvironment, recordGauge, setTickPeriod } from "./host";
import { RequestState } from "./request/state";
import { prepareCounters } from "./consumers/quota";
import { TokenCalls } from "./token-refresh";
import { forgetLocalIdentity } from "./request/caller";
import { flushMetrics, forgetMetricSets, tag } from "./metrics/record";
import { Pipeline, PipelineSlot } from "./pipelines/pipeline";
import { ClientRequest } from "./pipelines/client-request";
import { UpstreamTry } from "./pipelines/upstream-try";

/**
 * The tick that hands the requests' metrics to Envoy, reports memory and refreshes tokens; the first
 * one after a configuration comes sooner. Every 100 ms, so a counter reaches Envoy about when it did
 * when each request recorded its own (Envoy merges histograms only every second); ten VM entries a
 * second cost nothing beside the host calls a busy VM saves.
 */
const TICK_MS: u32 = 100;
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

  /**
   * Hands the requests' metrics to Envoy (metrics/record.ts: counted in the VM between ticks);
   * reports the VM's linear memory (so operators and the soak benchmark see it stay flat);
   * refreshes providers' tokens.
   */
  onTick(): void {
    flushMetrics();
    if (this.firstTickDue) { this.firstTickDue = false; setTickPeriod(TICK_MS); }
    if (this.requestsSeen > 0) recordGauge(this.memoryGauge, <u64>memory.size() << 16);
    if (this.config !== null) this.tokenCalls.refresh(this.config!);
  }

  /** The VM or plugin is going away: what it counted since the last tick still reaches Envoy. */
  onDone(): bool {
    flushMetrics();
    return super.onDone();
  }

  onHttpCallResponse(token: u32, headers: u32, bodySize: u32, trailers: u32): void {
    if (!this.tokenCalls.onResponse(token, bodySize)) super.onHttpCallResponse(token, headers, bodySize, trailers);
  }

  createContext(contextId: u32): Context {
    // The config a request starts with stays its own: a reload mid-request does not change it.
    if (this.config !== null) this.requestsSeen++;
    return new LlmMeshStream(contextId, this, this.config);
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

/** A failover route's try upstream; downstream, a client's request until its route is decided. */
function firstPipeline(slot: PipelineSlot, config: Config): Pipeline {
  const state = new RequestState();
  if (config.role == FilterRole.Upstream) return new UpstreamTry(slot, config, state);
  return new ClientRequest(slot, config, state);
}

/** One HTTP stream: each callback goes to its current pipeline (pipelines/). */
class LlmMeshStream extends Context {
  private slot: PipelineSlot = new PipelineSlot();
  /** The last response body callback asked Envoy to buffer: an answer is being held whole. */
  private answerHeld: bool = false;

  constructor(contextId: u32, root: LlmMeshRoot, config: Config | null) {
    super(contextId, root);
    if (config !== null) this.slot.current = firstPipeline(this.slot, config!);
  }

  onRequestHeaders(_headerCount: u32, endOfStream: bool): FilterHeadersStatusValues { return this.slot.current.onRequestHeaders(endOfStream); }
  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues { return this.slot.current.onRequestBody(bodySize, endOfStream); }
  onRequestTrailers(_count: u32): FilterTrailersStatusValues { return this.slot.current.onRequestTrailers(); }
  onResponseHeaders(_headerCount: u32, endOfStream: bool): FilterHeadersStatusValues { return this.slot.current.onResponseHeaders(endOfStream); }
  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    const status = this.slot.current.onResponseBody(bodySize, endOfStream);
    this.answerHeld = status == FilterDataStatusValues.StopIterationAndBuffer;
    return status;
  }

  /**
   * An answer that ends with trailers never has a body callback with end of stream: the pipeline gets
   * one now. One held to be read whole (a translation, an MCP answer, a field returned alone) comes
   * with what Envoy buffered, so it is read and not passed on as it came.
   */
  onResponseTrailers(_count: u32): FilterTrailersStatusValues {
    // Not held: the chunks went on as they came, and the end is an empty last chunk (usage settled,
    // metrics recorded, decoders closed). What a stream's end would add to the body (a translated
    // stream's closing events) cannot be written here: Envoy holds no body to write into.
    const held = this.answerHeld;
    this.answerHeld = false;
    this.slot.current.onResponseBody(held ? bufferedSize(BufferTypeValues.HttpResponseBody) : 0, true);
    this.slot.current.onResponseTrailers();
    return FilterTrailersStatusValues.Continue;
  }
  onDone(): bool { this.slot.current.onDone(); return super.onDone(); }
}

// One finished request, recorded as Envoy metrics named after the OpenTelemetry GenAI semantic
// conventions. Labels travel in the stat name as Istio encodes them (`name=.=value;.;`), so
// Envoy's tag extraction (the bootstrap's stats_tags, Istio's extraStatTags) turns each into a
// Prometheus label and leaves the metric's own name. Metric ids are defined once per label set
// and kept for the VM's life. A request's counts and samples wait in the VM and go to Envoy in a
// batch on the root context's tick (flushMetrics, at most a second later): each host call costs
// about a microsecond in Envoy, and a busy label set's counters then cost one call per tick, not
// several per request.
import { COUNTER, HISTOGRAM, defineMetric, incrementMetric, recordMetric } from "../host";
import { Operation } from "../api";
import { Measurement, UsageSource } from "./measurement";
import { MetricsConfig, Price, PriceTable } from "./config";

/** Prometheus label names (Envoy tag names); the toolchain emits one extraction rule per name. */
export const TAG_NAMES: string[] = [
  "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model",
  "gen_ai_token_type", "llm_mesh_route", "llm_mesh_backend", "llm_mesh_status_class", "llm_mesh_usage",
  "source_principal", "llm_mesh_currency", "llm_mesh_consumer", "llm_mesh_rule", "llm_mesh_action", "llm_mesh_tool",
  "mcp_method_name", "gen_ai_tool_name", "error_type", "llm_mesh_mcp_server",
];

/** The stat names (Prometheus: dots become underscores). Durations are integers, so milliseconds; time per token in microseconds. */
const TOKEN_USAGE = "gen_ai.client.token.usage";
const TOKENS_TOTAL = "llm_mesh.tokens.total";
const DURATION = "gen_ai.client.operation.duration.ms";
const FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk.ms";
const PER_TOKEN = "gen_ai.server.time_per_output_token.us";
const REQUESTS = "llm_mesh.requests.total";
const COST = "llm_mesh.cost.micros.total";

/** One label, encoded. Values lose ';' (the encoding's delimiter) and control bytes; long ones are cut. */
export function tag(name: string, value: string): string {
  let clean = value.length > 160 ? value.substring(0, 160) : value;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    if (c == 0x3b || c < 0x20 || c == 0x7f) { clean = clean.substring(0, i) + "_" + clean.substring(i + 1); }
  }
  return name + "=.=" + clean + ";.;";
}

/** gen_ai.operation.name for an operation (OTel's well-known values). */
export function operationLabel(op: Operation): string {
  if (op == Operation.Embeddings || op == Operation.GeminiEmbed || op == Operation.GeminiBatchEmbed) return "embeddings";
  if (op == Operation.Completions) return "text_completion";
  if (op == Operation.CountTokens || op == Operation.GeminiCountTokens) return "count_tokens";
  return "chat";
}

/** gen_ai.provider.name for a provider type (OTel's well-known values where there is one). */
export function providerLabel(type: string): string {
  if (type == "azure-openai") return "azure.ai.openai";
  if (type == "gemini") return "gcp.gemini";
  if (type == "vertex-ai") return "gcp.vertex_ai";
  if (type == "bedrock") return "aws.bedrock";
  if (type == "mistral") return "mistral_ai";
  if (type == "xai") return "x_ai";
  return type;
}

const TOKEN_INPUT = tag("gen_ai_token_type", "input");
const TOKEN_OUTPUT = tag("gen_ai_token_type", "output");
const TOKEN_CACHED = tag("gen_ai_token_type", "cached_input");
const TOKEN_CACHE_WRITE = tag("gen_ai_token_type", "cache_write_input");
const TOKEN_REASONING = tag("gen_ai_token_type", "reasoning");

/** Slots of a label set's metric ids (Count: how many). */
enum Slot { HistInput, HistOutput, CountInput, CountOutput, CountCached, CountReasoning, Duration, FirstChunk, PerToken, Requests, Cost, CountCacheWrite, Count }

/** The metrics of one label set, defined on first use. */
export class MetricSet {
  ids: StaticArray<u32> = new StaticArray<u32>(Slot.Count);
  /** Counter increments waiting for the next flush, by slot. */
  pending: StaticArray<i64> = new StaticArray<i64>(Slot.Count);
  /** Slots counted since the last flush (bit per slot): a counter appears, at 0, once counted. */
  counted: i32 = 0;
  /** On the list of sets the next flush visits. */
  waiting: bool = false;
  /** The currency of its cost counter (the configuration's when the set was made). */
  currency: string = "";
  /** Cost below one micro-unit, carried to the next request of this set. */
  costCarry: f64 = 0;
  // What the labels were built from, so a backend's next request with the same facts skips building them.
  operation: Operation = Operation.ChatCompletions;
  requestModel: string = "";
  responseModel: string = "";
  status: string = "";
  source: UsageSource = UsageSource.None;
  principal: string = "";
  consumer: string = "";
  /** The provider's price for `priceModel`: models outside the config share the label "other" but not their price. */
  price: Price | null = null;
  priceModel: string = "";
  constructor(public labels: string) {}

  sameFacts(m: Measurement, responseModel: string, source: UsageSource): bool {
    return this.operation == m.operation && this.source == source && this.requestModel == m.requestModel && this.responseModel == responseModel
      && this.status == m.status && this.principal == m.principal && this.consumer == m.consumer;
  }

  id(slot: Slot, currency: string): u32 {
    let id = this.ids[slot];
    if (id != 0) return id;
    const l = this.labels;
    if (slot == Slot.HistInput) id = defineMetric(HISTOGRAM, l + TOKEN_INPUT + TOKEN_USAGE);
    else if (slot == Slot.HistOutput) id = defineMetric(HISTOGRAM, l + TOKEN_OUTPUT + TOKEN_USAGE);
    else if (slot == Slot.CountInput) id = defineMetric(COUNTER, l + TOKEN_INPUT + TOKENS_TOTAL);
    else if (slot == Slot.CountOutput) id = defineMetric(COUNTER, l + TOKEN_OUTPUT + TOKENS_TOTAL);
    else if (slot == Slot.CountCached) id = defineMetric(COUNTER, l + TOKEN_CACHED + TOKENS_TOTAL);
    else if (slot == Slot.CountReasoning) id = defineMetric(COUNTER, l + TOKEN_REASONING + TOKENS_TOTAL);
    else if (slot == Slot.CountCacheWrite) id = defineMetric(COUNTER, l + TOKEN_CACHE_WRITE + TOKENS_TOTAL);
    else if (slot == Slot.Duration) id = defineMetric(HISTOGRAM, l + DURATION);
    else if (slot == Slot.FirstChunk) id = defineMetric(HISTOGRAM, l + FIRST_CHUNK);
    else if (slot == Slot.PerToken) id = defineMetric(HISTOGRAM, l + PER_TOKEN);
    else if (slot == Slot.Requests) id = defineMetric(COUNTER, l + REQUESTS);
    else id = defineMetric(COUNTER, l + tag("llm_mesh_currency", currency) + COST);
    this.ids[slot] = id;
    return id;
  }
}

/** What a backend keeps for its metrics (routing.ts's Backend holds one). */
export class BackendMetrics {
  /** Its fixed metric labels (route, backend, provider), encoded once. */
  tags: string = "";
  /** The label set of its last recorded request. */
  last: MetricSet | null = null;
}

/** Label sets seen by this VM. Bounded by config (routes x backends x known models) and workloads. */
let sets = new Map<string, MetricSet>();

/** A new configuration starts afresh (its currency and prices may differ); Envoy keeps the stats themselves. */
export function forgetMetricSets(): void {
  flushMetrics();
  sets = new Map<string, MetricSet>();
}

const STATUS_TAGS: string[] = [tag("llm_mesh_status_class", "none"), tag("llm_mesh_status_class", "1xx"), tag("llm_mesh_status_class", "2xx"),
  tag("llm_mesh_status_class", "3xx"), tag("llm_mesh_status_class", "4xx"), tag("llm_mesh_status_class", "5xx")];
const SOURCE_TAGS: string[] = [tag("llm_mesh_usage", "reported"), tag("llm_mesh_usage", "estimated"), tag("llm_mesh_usage", "incomplete"), tag("llm_mesh_usage", "none")];

function statusTag(status: string): string {
  if (status.length != 3) return STATUS_TAGS[0];
  const c = status.charCodeAt(0) - 0x30;
  return c >= 1 && c <= 5 ? STATUS_TAGS[c] : STATUS_TAGS[0];
}

/** A model as a label: itself when the config names it (or any model is allowed), else "other". */
export function modelLabel(config: MetricsConfig, model: string): string {
  if (model.length == 0) return "none";
  return config.anyModel || config.knownModels.has(model) ? model : "other";
}

/** The label set for a request: the backend's last one when the facts are the same (the usual case), else built and looked up. */
function metricSetFor(config: MetricsConfig, m: Measurement, backend: BackendMetrics, source: UsageSource): MetricSet {
  const responseModel = m.usage !== null ? m.usage!.responseModel : "";
  const last = backend.last;
  if (last !== null && last.sameFacts(m, responseModel, source)) return last;
  const labels = m.operationTag + backend.tags
    + tag("gen_ai_request_model", modelLabel(config, m.requestModel))
    + tag("gen_ai_response_model", modelLabel(config, responseModel))
    + statusTag(m.status) + SOURCE_TAGS[source] + tag("source_principal", m.principal)
    + (config.consumerLabel ? tag("llm_mesh_consumer", m.consumer.length > 0 ? m.consumer : "none") : "");
  let set: MetricSet;
  if (sets.has(labels)) set = sets.get(labels);
  else {
    set = new MetricSet(labels);
    set.currency = config.currency;
    set.operation = m.operation; set.requestModel = m.requestModel; set.responseModel = responseModel;
    set.status = m.status; set.source = source; set.principal = m.principal; set.consumer = m.consumer;
    sets.set(labels, set);
  }
  backend.last = set;
  return set;
}

/** The price of the request's model (the set remembers the last one it looked up). */
function priceFor(set: MetricSet, m: Measurement, prices: PriceTable): Price | null {
  if (set.priceModel != m.requestModel || set.priceModel.length == 0) {
    set.price = prices.isEmpty() ? null : prices.find(m.requestModel);
    set.priceModel = m.requestModel;
  }
  return set.price;
}

/** Label sets with counts waiting for the next flush. */
const waitingSets: MetricSet[] = [];

/** Histogram samples waiting for the next flush: metric id and value, in the order recorded. */
const SAMPLE_CAPACITY: i32 = 4096;
let sampleIds: StaticArray<u32> | null = null;
let sampleValues: StaticArray<u64> | null = null;
let sampleCount: i32 = 0;

/** Adds to a counter of `set` at the next flush. */
function count(set: MetricSet, slot: Slot, delta: i64): void {
  if (!set.waiting) { set.waiting = true; waitingSets.push(set); }
  set.counted |= 1 << slot;
  unchecked(set.pending[slot] = unchecked(set.pending[slot]) + delta);
}

/** Records a histogram sample at the next flush; with the buffer full (a busy second), at once. */
function sample(set: MetricSet, slot: Slot, value: u64): void {
  sampleLater(set.id(slot, set.currency), value);
}

/** A counter of another feature's (MCP's), counted in the VM like a label set's and handed over at the next flush. */
export class LaterCounter {
  pending: i64 = 0;
  waiting: bool = false;
  constructor(public id: u32) {}
}

const waitingCounters: LaterCounter[] = [];

/** Adds to a counter at the next flush. */
export function countLater(counter: LaterCounter, delta: i64): void {
  counter.pending += delta;
  if (!counter.waiting) { counter.waiting = true; waitingCounters.push(counter); }
}

/** Records a histogram sample (metric id `id`) at the next flush; with the buffer full (a busy second), at once. */
export function sampleLater(id: u32, value: u64): void {
  if (id == 0) return;
  if (sampleCount == SAMPLE_CAPACITY) { recordMetric(id, value); return; }
  if (sampleIds === null) { sampleIds = new StaticArray<u32>(SAMPLE_CAPACITY); sampleValues = new StaticArray<u64>(SAMPLE_CAPACITY); }
  unchecked(sampleIds![sampleCount] = id);
  unchecked(sampleValues![sampleCount] = value);
  sampleCount++;
}

/**
 * Hands every waiting count and sample to Envoy: one increment per counter counted since the last
 * flush, one record per sample. Called on the root context's tick, before a new configuration
 * replaces the label sets, and when the VM is done, so nothing counted is lost.
 */
export function flushMetrics(): void {
  for (let i = 0; i < waitingSets.length; i++) {
    const set = unchecked(waitingSets[i]);
    for (let slot = 0; slot < Slot.Count; slot++) {
      if ((set.counted & (1 << slot)) == 0) continue;
      const delta = unchecked(set.pending[slot]);
      unchecked(set.pending[slot] = 0);
      incrementMetric(set.id(<Slot>slot, set.currency), delta);
    }
    set.counted = 0;
    set.waiting = false;
  }
  waitingSets.length = 0;
  for (let i = 0; i < waitingCounters.length; i++) {
    const counter = unchecked(waitingCounters[i]);
    incrementMetric(counter.id, counter.pending);
    counter.pending = 0;
    counter.waiting = false;
  }
  waitingCounters.length = 0;
  const ids = sampleIds;
  const values = sampleValues;
  if (ids !== null) for (let i = 0; i < sampleCount; i++) recordMetric(unchecked(ids![i]), unchecked(values![i]));
  sampleCount = 0;
}

/** Records a finished request to a backend, priced by its provider's `prices` (handed to Envoy at the next flush). */
export function recordRequest(config: MetricsConfig, m: Measurement, backend: BackendMetrics, prices: PriceTable): void {
  const source = m.source();
  const set = metricSetFor(config, m, backend, source);

  count(set, Slot.Requests, 1);
  const end = m.endNs > 0 ? m.endNs : m.doneNs;
  if (m.startNs > 0 && end >= m.startNs) sample(set, Slot.Duration, <u64>((end - m.startNs) / 1_000_000));
  if (source == UsageSource.None) return;

  const u = m.usage!;
  const input = m.inputTokens();
  const output = m.outputTokens();
  sample(set, Slot.HistInput, <u64>input);
  if (m.operation != Operation.Embeddings) sample(set, Slot.HistOutput, <u64>output);
  count(set, Slot.CountInput, input);
  count(set, Slot.CountOutput, output);
  if (u.cachedInput > 0) count(set, Slot.CountCached, u.cachedInput);
  if (u.cacheWrite > 0) count(set, Slot.CountCacheWrite, u.cacheWrite);
  if (u.reasoning > 0) count(set, Slot.CountReasoning, u.reasoning);
  if (m.stream && m.firstChunkNs > 0) {
    sample(set, Slot.FirstChunk, <u64>((m.firstChunkNs - m.startNs) / 1_000_000));
    if (output > 1 && end > m.firstChunkNs) sample(set, Slot.PerToken, <u64>((end - m.firstChunkNs) / 1000 / (output - 1)));
  }
  const price = priceFor(set, m, prices);
  if (price !== null) {
    // Reads and writes are parts of input, each at its own price (a write at most what input leaves).
    const cached = min<i64>(u.cachedInput, input);
    const written = min<i64>(u.cacheWrite, input - cached);
    const written1h = min<i64>(u.cacheWrite1h, written);
    const micros = <f64>(input - cached - written) * price!.input + <f64>cached * price!.cachedInput
      + <f64>(written - written1h) * price!.cacheWrite + <f64>written1h * price!.cacheWrite1h + <f64>output * price!.output + set.costCarry;
    const whole = Math.floor(micros);
    set.costCarry = micros - whole;
    count(set, Slot.Cost, <i64>whole);
  }
}


// One finished request, recorded as Envoy metrics named after the OpenTelemetry GenAI semantic
// conventions. Labels travel in the stat name as Istio encodes them (`name=.=value;.;`), so
// Envoy's tag extraction (the bootstrap's stats_tags, Istio's extraStatTags) turns each into a
// Prometheus label and leaves the metric's own name. Metric ids are defined once per label set
// and kept for the VM's life.
import { COUNTER, HISTOGRAM, defineMetric, incrementMetric, recordMetric } from "../host";
import { Operation } from "../api";
import { Measurement, UsageSource } from "./measurement";
import { MetricsConfig, Price, PriceTable } from "./config";

/** Prometheus label names (Envoy tag names); the toolchain emits one extraction rule per name. */
export const TAG_NAMES: string[] = [
  "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model",
  "gen_ai_token_type", "llm_mesh_route", "llm_mesh_backend", "llm_mesh_status_class", "llm_mesh_usage",
  "source_principal", "llm_mesh_currency", "llm_mesh_consumer", "llm_mesh_rule", "llm_mesh_action", "llm_mesh_tool",
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

/** Records a finished request to a backend, priced by its provider's `prices`. */
export function recordRequest(config: MetricsConfig, m: Measurement, backend: BackendMetrics, prices: PriceTable): void {
  const source = m.source();
  const set = metricSetFor(config, m, backend, source);

  const currency = config.currency;
  incrementMetric(set.id(Slot.Requests, currency), 1);
  const end = m.endNs > 0 ? m.endNs : m.doneNs;
  if (m.startNs > 0 && end >= m.startNs) recordMetric(set.id(Slot.Duration, currency), <u64>((end - m.startNs) / 1_000_000));
  if (source == UsageSource.None) return;

  const u = m.usage!;
  const input = m.inputTokens();
  const output = m.outputTokens();
  recordMetric(set.id(Slot.HistInput, currency), <u64>input);
  if (m.operation != Operation.Embeddings) recordMetric(set.id(Slot.HistOutput, currency), <u64>output);
  incrementMetric(set.id(Slot.CountInput, currency), input);
  incrementMetric(set.id(Slot.CountOutput, currency), output);
  if (u.cachedInput > 0) incrementMetric(set.id(Slot.CountCached, currency), u.cachedInput);
  if (u.cacheWrite > 0) incrementMetric(set.id(Slot.CountCacheWrite, currency), u.cacheWrite);
  if (u.reasoning > 0) incrementMetric(set.id(Slot.CountReasoning, currency), u.reasoning);
  if (m.stream && m.firstChunkNs > 0) {
    recordMetric(set.id(Slot.FirstChunk, currency), <u64>((m.firstChunkNs - m.startNs) / 1_000_000));
    if (output > 1 && end > m.firstChunkNs) recordMetric(set.id(Slot.PerToken, currency), <u64>((end - m.firstChunkNs) / 1000 / (output - 1)));
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
    incrementMetric(set.id(Slot.Cost, currency), <i64>whole);
  }
}


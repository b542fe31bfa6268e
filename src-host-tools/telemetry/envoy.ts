// How llm-mesh's metrics and access-log fields reach Prometheus and logs through Envoy: the stats
// tag rules that turn the filter's Istio-encoded labels (`name=.=value;.;`) into Prometheus labels,
// histogram buckets sized for tokens and latencies, and an access-log format that prints the
// filter state the module writes. The label names must match assembly/metrics/record.ts (a unit
// test holds them together).

/** Labels the filter encodes in its stat names, in the order it writes them. */
export const METRIC_LABELS = [
  "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model",
  "gen_ai_token_type", "llm_mesh_route", "llm_mesh_backend", "llm_mesh_status_class", "llm_mesh_usage",
  "source_principal", "llm_mesh_currency", "llm_mesh_consumer", "llm_mesh_rule", "llm_mesh_action", "llm_mesh_tool", "llm_mesh_vm",
  // MCP routes (OpenTelemetry's MCP names where they exist: mcp.method.name, gen_ai.tool.name, error.type).
  "mcp_method_name", "gen_ai_tool_name", "error_type", "llm_mesh_mcp_server",
] as const;

/** The metrics as Prometheus names them (Envoy strips `wasmcustom.` and turns dots into underscores). */
export const PROMETHEUS_METRICS = {
  tokenUsage: "gen_ai_client_token_usage",
  tokens: "llm_mesh_tokens_total",
  duration: "gen_ai_client_operation_duration_ms",
  timeToFirstChunk: "gen_ai_client_operation_time_to_first_chunk_ms",
  timePerOutputToken: "gen_ai_server_time_per_output_token_us",
  requests: "llm_mesh_requests_total",
  cost: "llm_mesh_cost_micros_total",
  /** Keys put to rest after a 429 (failover routes), by provider. */
  keyRests: "llm_mesh_key_rests_total",
  /** Requests a route's deny rule refused, or its mask rules changed, by rule. */
  policyDecisions: "llm_mesh_policy_decisions_total",
  /** Hosted tools a translated route left out, by route and tool type. */
  droppedTools: "llm_mesh_dropped_tools_total",
  /** MCP routes: JSON-RPC requests sent or refused, by method, tool, error type, server and consumer. */
  mcpCalls: "llm_mesh_mcp_calls_total",
  /** MCP routes: a JSON-RPC request's time, request to the answer's last byte. */
  mcpDuration: "mcp_client_operation_duration_ms",
} as const;

/** One Envoy tag rule per label, in Istio's extraStatTags form (so Istio and envoy -c agree). */
export function statsTags(): { tag_name: string; regex: string }[] {
  return METRIC_LABELS.map((name) => ({ tag_name: name, regex: `(${name}=\\.=(.*?);\\.;)` }));
}

/**
 * Bucket bounds: the OpenTelemetry GenAI recommendations, in the integer units Envoy histograms
 * take (tokens; milliseconds; microseconds per token).
 */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_MS_BUCKETS = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 40960, 81920];
const PER_TOKEN_US_BUCKETS = [1000, 2500, 5000, 7500, 10000, 15000, 20000, 30000, 40000, 50000, 75000, 100000, 250000, 1000000];
/** OpenTelemetry's MCP recommendation for mcp.client.operation.duration (0.01 s to 300 s), in milliseconds. */
const MCP_DURATION_MS_BUCKETS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000];

/** Envoy's bootstrap stats_config for llm-mesh's metrics. */
export function statsConfig(): Record<string, unknown> {
  const buckets = (suffix: string, bounds: number[]) => ({ match: { suffix }, buckets: bounds });
  return {
    stats_tags: statsTags(),
    histogram_bucket_settings: [
      buckets("gen_ai.client.token.usage", TOKEN_BUCKETS),
      buckets("gen_ai.client.operation.duration.ms", DURATION_MS_BUCKETS),
      buckets("gen_ai.client.operation.time_to_first_chunk.ms", DURATION_MS_BUCKETS),
      buckets("gen_ai.server.time_per_output_token.us", PER_TOKEN_US_BUCKETS),
      buckets("mcp.client.operation.duration.ms", MCP_DURATION_MS_BUCKETS),
    ],
  };
}

/** Access-log fields: the filter's state (wasm.llm_mesh.*), the response's stamp, and the trace context. */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  start_time: "%START_TIME%",
  method: "%REQ(:METHOD)%",
  path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
  status: "%RESPONSE_CODE%",
  duration_ms: "%DURATION%",
  upstream_cluster: "%UPSTREAM_CLUSTER%",
  // The backend's provider and the model sent upstream: the response headers llm-mesh stamps.
  backend: "%RESP(x-llm-mesh-provider)%",
  request_model: "%RESP(x-llm-mesh-model)%",
  // The rest of llm-mesh's fields as one JSON object (written in one host call): route,
  // response_model, input_tokens, output_tokens, ttft_ms (streams), usage; on MCP routes
  // mcp_method, tool, mcp_error. docs/metrics.md.
  llm_mesh: "%FILTER_STATE(wasm.llm_mesh.log:PLAIN)%",
  // Who called (consumers), and the backends a failover route tried, in order.
  consumer: "%FILTER_STATE(wasm.llm_mesh.consumer:PLAIN)%",
  backends_tried: "%FILTER_STATE(wasm.llm_mesh.tried:PLAIN)%",
  request_id: "%REQ(X-REQUEST-ID)%",
  traceparent: "%REQ(TRACEPARENT)%",
};

/** The same fields as one text line (Istio's envoyFileAccessLog logFormat.text). */
export function accessLogText(): string {
  return Object.entries(ACCESS_LOG_FIELDS).map(([k, v]) => `${k}=${v}`).join(" ") + "\n";
}

/** An HCM access_log entry writing the fields as JSON lines to `path`, or to Envoy's standard output for "-". */
export function accessLog(path: string): Record<string, unknown> {
  const format = { log_format: { json_format: ACCESS_LOG_FIELDS } };
  // Envoy's stdout logger writes through its own stream: /dev/stdout cannot be opened when stdout is a socket.
  if (path === "-") return { name: "envoy.access_loggers.stdout", typed_config: { "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog", ...format } };
  return { name: "envoy.access_loggers.file", typed_config: { "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", path, ...format } };
}

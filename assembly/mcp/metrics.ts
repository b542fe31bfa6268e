// MCP calls as metrics, named after OpenTelemetry's MCP semantic conventions
// (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/): `mcp.client.operation.duration` (in
// milliseconds: Envoy histograms take integers) and a call counter, labelled by method, tool,
// error type, route, server, consumer and caller. Counted in the VM and handed to Envoy on the tick
// (metrics/record.ts), as model calls are. Labels stay bounded: a method outside the specification's
// is `other`, and so is a tool name the server did not answer for and no allow-list names exactly.
import { COUNTER, HISTOGRAM, defineMetric } from "../host";
import { LaterCounter, countLater, sampleLater, tag } from "../metrics/record";

const CALLS = "llm_mesh.mcp.calls.total";
const DURATION = "mcp.client.operation.duration.ms";

/** The methods of the MCP specification (2025-11-25); other names are labelled `other`. */
const METHODS = [
  "initialize", "ping", "tools/list", "tools/call", "prompts/list", "prompts/get", "resources/list", "resources/templates/list",
  "resources/read", "resources/subscribe", "resources/unsubscribe", "completion/complete", "logging/setLevel",
  "notifications/initialized", "notifications/cancelled", "notifications/progress", "notifications/roots/list_changed",
  "tasks/get", "tasks/list", "tasks/result", "tasks/cancel",
];

/** mcp.method.name as a bounded label. */
export function methodLabel(method: string): string { return METHODS.includes(method) ? method : "other"; }

class McpMetricIds {
  calls: LaterCounter;
  duration: u32;
  constructor(labels: string) {
    this.calls = new LaterCounter(defineMetric(COUNTER, labels + CALLS));
    this.duration = defineMetric(HISTOGRAM, labels + DURATION);
  }
}

/** Metric ids by label set, for the VM's life (bounded by routes, methods, named tools, outcomes and callers). */
let ids = new Map<string, McpMetricIds>();

/** A new configuration: label sets are made again (Envoy keeps the stats). */
export function forgetMcpMetrics(): void { ids = new Map<string, McpMetricIds>(); }

/** One JSON-RPC request's call: its route's fixed labels, then its own. */
export function recordMcpCall(routeTags: string, method: string, tool: string | null, outcome: string, consumer: string | null, principal: string, durationMs: i64): void {
  let labels = routeTags + tag("mcp_method_name", methodLabel(method));
  if (tool !== null) labels += tag("gen_ai_tool_name", tool!);
  labels += tag("error_type", outcome.length > 0 ? outcome : "no_answer");
  if (consumer !== null) labels += tag("llm_mesh_consumer", consumer!);
  labels += tag("source_principal", principal);
  let set: McpMetricIds;
  if (ids.has(labels)) set = ids.get(labels);
  else { set = new McpMetricIds(labels); ids.set(labels, set); }
  countLater(set.calls, 1);
  if (durationMs >= 0) sampleLater(set.duration, <u64>durationMs);
}

// The Grafana dashboard llm-mesh ships (docs/grafana/llm-mesh-dashboard.json), built from one list of panels
// so the file, the test that runs every query against real Prometheus, and the rendered picture
// in the docs all read the same queries.
import { PROMETHEUS_METRICS as M } from "./envoy.js";

export interface Panel { title: string; unit: string; kind: "timeseries" | "stat"; targets: { expr: string; legend: string }[] }
/** A titled row of panels (Grafana's row panel); the first section has no title. */
export interface Section { title?: string; panels: Panel[] }

const rate = (expr: string) => `rate(${expr}[$__rate_interval])`;
const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (${rate(`${metric}_bucket`)}))`;

export const LLM_PANELS: Panel[] = [
  { title: "Tokens per second by model", unit: "short", kind: "timeseries", targets: [
    { expr: `sum by (gen_ai_request_model, gen_ai_token_type) (${rate(M.tokens)})`, legend: "{{gen_ai_request_model}} {{gen_ai_token_type}}" }] },
  { title: "Tokens per second by calling workload", unit: "short", kind: "timeseries", targets: [
    { expr: `sum by (source_principal) (${rate(M.tokens)})`, legend: "{{source_principal}}" }] },
  { title: "Cost per hour by model", unit: "currencyUSD", kind: "timeseries", targets: [
    { expr: `sum by (gen_ai_provider_name, gen_ai_request_model, llm_mesh_currency) (${rate(M.cost)}) * 3600 / 1e6`, legend: "{{gen_ai_request_model}} ({{llm_mesh_currency}})" }] },
  { title: "Time to first token (streams)", unit: "ms", kind: "timeseries", targets: [
    { expr: quantile(0.5, M.timeToFirstChunk, "gen_ai_request_model"), legend: "p50 {{gen_ai_request_model}}" },
    { expr: quantile(0.99, M.timeToFirstChunk, "gen_ai_request_model"), legend: "p99 {{gen_ai_request_model}}" }] },
  { title: "Error rate by provider", unit: "percentunit", kind: "timeseries", targets: [
    { expr: `sum by (gen_ai_provider_name) (${rate(`${M.requests}{llm_mesh_status_class=~"4xx|5xx|none"}`)}) / sum by (gen_ai_provider_name) (${rate(M.requests)})`, legend: "{{gen_ai_provider_name}}" }] },
  { title: "Requests per second by route and status", unit: "reqps", kind: "timeseries", targets: [
    { expr: `sum by (llm_mesh_route, llm_mesh_status_class) (${rate(M.requests)})`, legend: "{{llm_mesh_route}} {{llm_mesh_status_class}}" }] },
  { title: "Operation duration p99 by provider", unit: "ms", kind: "timeseries", targets: [
    { expr: quantile(0.99, M.duration, "gen_ai_provider_name"), legend: "{{gen_ai_provider_name}}" }] },
  { title: "Where token figures come from (share of answered requests)", unit: "percentunit", kind: "timeseries", targets: [
    { expr: `sum by (llm_mesh_usage) (${rate(`${M.requests}{llm_mesh_usage!="none"}`)}) / scalar(sum(${rate(`${M.requests}{llm_mesh_usage!="none"}`)}))`, legend: "{{llm_mesh_usage}}" }] },
];

/** MCP routes: one count per JSON-RPC request sent or refused (error_type "none" when it succeeded, "denied" when llm-mesh refused it). */
export const MCP_PANELS: Panel[] = [
  { title: "MCP calls per second by server and tool", unit: "reqps", kind: "timeseries", targets: [
    { expr: `sum by (llm_mesh_mcp_server, mcp_method_name, gen_ai_tool_name) (${rate(M.mcpCalls)})`, legend: "{{llm_mesh_mcp_server}} {{mcp_method_name}} {{gen_ai_tool_name}}" }] },
  { title: "MCP errors per second by error type", unit: "reqps", kind: "timeseries", targets: [
    { expr: `sum by (llm_mesh_mcp_server, error_type) (${rate(`${M.mcpCalls}{error_type!="none"}`)})`, legend: "{{llm_mesh_mcp_server}} {{error_type}}" }] },
  { title: "MCP call duration by server", unit: "ms", kind: "timeseries", targets: [
    { expr: quantile(0.5, M.mcpDuration, "llm_mesh_mcp_server"), legend: "p50 {{llm_mesh_mcp_server}}" },
    { expr: quantile(0.99, M.mcpDuration, "llm_mesh_mcp_server"), legend: "p99 {{llm_mesh_mcp_server}}" }] },
  { title: "MCP calls refused by llm-mesh, by consumer", unit: "reqps", kind: "timeseries", targets: [
    { expr: `sum by (llm_mesh_consumer, llm_mesh_mcp_server, gen_ai_tool_name) (${rate(`${M.mcpCalls}{error_type="denied"}`)})`, legend: "{{llm_mesh_consumer}} {{llm_mesh_mcp_server}} {{gen_ai_tool_name}}" }] },
];

export const SECTIONS: Section[] = [{ panels: LLM_PANELS }, { title: "MCP tools", panels: MCP_PANELS }];

/** Every panel, in order (the tests run each query; the picture draws each). */
export const PANELS: Panel[] = SECTIONS.flatMap((s) => s.panels);

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** Grafana's panels: each section's (two a row, eight units high) under its row header. */
function gridPanels(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let y = 0;
  for (const section of SECTIONS) {
    if (section.title) {
      out.push({ id: out.length + 1, type: "row", title: section.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
      y += 1;
    }
    section.panels.forEach((p, i) => out.push({
      id: out.length + 1,
      type: p.kind,
      title: p.title,
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom", showLegend: true } },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend, datasource: DATASOURCE })),
    }));
    y += Math.ceil(section.panels.length / 2) * 8;
  }
  return out;
}

/** The dashboard as Grafana imports it (schema 39; a Prometheus data source chosen at import). */
export function grafanaDashboard(): Record<string, unknown> {
  return {
    __inputs: [{ name: "DS_PROMETHEUS", label: "Prometheus", type: "datasource", pluginId: "prometheus", pluginName: "Prometheus" }],
    title: "llm-mesh: LLM and MCP traffic",
    uid: "llm-mesh",
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-1h", to: "now" },
    refresh: "30s",
    tags: ["llm-mesh", "gen_ai", "mcp"],
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", current: {} }] },
    panels: gridPanels(),
  };
}

/** A query as Prometheus runs it outside Grafana: Grafana's $__rate_interval becomes `interval`. */
export function resolveGrafanaQuery(expr: string, interval = "1m"): string {
  return expr.replace(/\$__rate_interval/g, interval);
}

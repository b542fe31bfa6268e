// The Grafana dashboard llm-mesh ships (docs/grafana/llm-mesh-dashboard.json), built from one list of panels
// so the file, the test that runs every query against real Prometheus, and the rendered picture
// in the docs all read the same queries.
import { PROMETHEUS_METRICS as M } from "./envoy.js";

export interface Panel { title: string; unit: string; kind: "timeseries" | "stat"; targets: { expr: string; legend: string }[] }

const rate = (expr: string) => `rate(${expr}[$__rate_interval])`;
const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (${rate(`${metric}_bucket`)}))`;

export const PANELS: Panel[] = [
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

/** The dashboard as Grafana imports it (schema 39; a Prometheus data source chosen at import). */
export function grafanaDashboard(): Record<string, unknown> {
  return {
    __inputs: [{ name: "DS_PROMETHEUS", label: "Prometheus", type: "datasource", pluginId: "prometheus", pluginName: "Prometheus" }],
    title: "llm-mesh: LLM traffic",
    uid: "llm-mesh",
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-1h", to: "now" },
    refresh: "30s",
    tags: ["llm-mesh", "gen_ai"],
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", current: {} }] },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      type: p.kind,
      title: p.title,
      datasource: { type: "prometheus", uid: "${datasource}" },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom", showLegend: true } },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend, datasource: { type: "prometheus", uid: "${datasource}" } })),
    })),
  };
}

/** A query as Prometheus runs it outside Grafana: Grafana's $__rate_interval becomes `interval`. */
export function resolveGrafanaQuery(expr: string, interval = "1m"): string {
  return expr.replace(/\$__rate_interval/g, interval);
}

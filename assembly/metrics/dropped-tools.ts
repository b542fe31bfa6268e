// Tools a translated route left out (translate/responses-tools.ts): one counter per route and tool
// type (Prometheus: llm_mesh_dropped_tools_total{llm_mesh_route, llm_mesh_tool}). Tool names are
// the Responses API's documented types or "other", so the labels stay bounded.
import { COUNTER, defineMetric, incrementMetric } from "../host";
import { tag } from "./record";

/** Metric ids by route and tool, defined on first use and kept for the VM's life. */
const ids = new Map<string, u32>();

/** Counts one request's dropped tool types on `route`. */
export function countDroppedTools(route: string, tools: string[]): void {
  for (let i = 0; i < tools.length; i++) {
    const labels = tag("llm_mesh_route", route) + tag("llm_mesh_tool", tools[i]);
    if (!ids.has(labels)) ids.set(labels, defineMetric(COUNTER, labels + "llm_mesh.dropped_tools.total"));
    incrementMetric(ids.get(labels), 1);
  }
}

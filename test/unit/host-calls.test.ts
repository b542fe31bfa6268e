// Holds the line on host calls per request (issue 25): the bench's plain request and what each
// feature adds, counted in the host emulator by src-host-tools/bench/host-calls.ts (the same count
// `llm-mesh bench` prints). A change that adds a call fails here with the calls by name.
import { beforeAll, describe, expect, it } from "vitest";
import { HOST_CALL_LIMITS, HostCallReport, countHostCalls, hostCallTable, plainRequestCalls } from "../../src-host-tools/bench/host-calls.js";
import { buildEnvoyWork } from "../../src-host-tools/bench/envoy-bench.js";
import { WASM_PATH } from "../support/filter.js";

let report: HostCallReport;
beforeAll(async () => { report = await countHostCalls(WASM_PATH); });

describe("host calls per request", () => {
  it(`the bench's plain request makes at most ${HOST_CALL_LIMITS.plain}`, () => {
    expect(report.plain.calls, hostCallTable(report)).toBeLessThanOrEqual(HOST_CALL_LIMITS.plain);
  });

  it("reads the request headers once and writes them once, and the response headers likewise", () => {
    const calls = Object.fromEntries(report.plain.byName);
    expect(calls).toMatchObject({
      "proxy_get_header_map_pairs request headers": 1, "proxy_set_header_map_pairs request headers": 1,
      "proxy_get_header_map_pairs response headers": 1, "proxy_set_header_map_pairs response headers": 1,
    });
    expect(report.plain.byName.filter(([name]) => /replace_header|remove_header|get_header_map_value/.test(name)), hostCallTable(report)).toEqual([]);
  });

  // The bench splits llm-mesh's Envoy CPU with this fixture: it only means something while the
  // fixture asks Envoy for exactly what llm-mesh asks on that request.
  it.skipIf(process.env.LLM_MESH_WASM !== undefined)("the envoy_work fixture makes the same host calls as llm-mesh's plain request, by name", async () => {
    const fixture = await plainRequestCalls(await buildEnvoyWork());
    expect(fixture, hostCallTable(report)).toEqual(await plainRequestCalls(WASM_PATH));
  }, 60_000);

  it("keeps the destination check: Envoy's cluster is read for every request that gets a key", () => {
    expect(Object.fromEntries(report.plain.byName)["proxy_get_property xds.cluster_name"]).toBe(1);
  });

  it("an MCP request checks its destination too: Envoy's cluster read once, the server's token set with the headers", () => {
    for (const row of report.features.filter((f) => f.case.startsWith("MCP"))) {
      const calls = Object.fromEntries(row.byName);
      expect(calls["proxy_get_property xds.cluster_name"], hostCallTable(report)).toBe(1);
      expect(calls["proxy_set_header_map_pairs request headers"], hostCallTable(report)).toBe(1);
    }
  });

  it.each(Object.keys(HOST_CALL_LIMITS).filter((k) => k !== "plain"))("%s adds no more calls than its limit", (feature) => {
    const rows = { consumer: 0, quota: 1, policy: 2, pooled: 3, failoverTry: 4, streamChunk: 5, mcpCall: 6, mcpList: 7 } as Record<string, number>;
    const row = report.features[rows[feature]];
    expect(row.limit).toBe(HOST_CALL_LIMITS[feature as keyof typeof HOST_CALL_LIMITS]);
    expect(row.added, hostCallTable(report)).toBeLessThanOrEqual(row.limit);
  });
});

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
    expect(report.plain.calls, hostCallTable(report)).toBeLessThanOrEqual(HOST_CALL_LIMITS.plain + 0.25);
  });

  it("reads the request and response headers once each, and writes only the headers that changed, one call each", () => {
    const calls = Object.fromEntries(report.plain.byName);
    expect(calls).toMatchObject({
      "proxy_get_header_map_pairs request headers": 1, "proxy_get_header_map_pairs response headers": 1,
      "proxy_replace_header_map_value request headers: :authority": 1, "proxy_replace_header_map_value request headers: authorization": 1,
      "proxy_replace_header_map_value request headers: content-length": 1,
      "proxy_replace_header_map_value response headers: x-llm-mesh-provider": 1, "proxy_replace_header_map_value response headers: x-llm-mesh-model": 1,
    });
    // The first backend's path is the client's: only the second's is written (half the requests).
    expect(Math.abs(calls["proxy_replace_header_map_value request headers: :path"] - 0.5)).toBeLessThanOrEqual(0.15);
    // Whole-map writes cost Envoy more than these few calls (docs/benchmarks.md, "Where the 1 KB time goes").
    expect(report.plain.byName.filter(([name]) => /set_header_map_pairs|get_header_map_value|remove_header/.test(name)), hostCallTable(report)).toEqual([]);
  });

  // The bench splits llm-mesh's Envoy CPU with this fixture: it only means something while the
  // fixture asks Envoy for exactly what llm-mesh asks on that request.
  it.skipIf(process.env.LLM_MESH_WASM !== undefined)("the envoy_work fixture makes the same host calls as llm-mesh's plain request, by name", async () => {
    const fixture = new Map(await plainRequestCalls(await buildEnvoyWork()));
    const mesh = new Map(await plainRequestCalls(WASM_PATH));
    expect([...fixture.keys()].sort()).toEqual([...mesh.keys()].sort());
    // The path is written for one backend of two: llm-mesh's count of it follows its random picks.
    // (256 picks: within 0.15 of half nearly always; a call missing or doubled is 0.5 or more away.)
    for (const [name, count] of mesh) expect(Math.abs(fixture.get(name)! - count), `${name}: fixture ${fixture.get(name)}, llm-mesh ${count}`).toBeLessThanOrEqual(0.15);
  }, 60_000);

  it("keeps the destination check: Envoy's cluster is read for every request that gets a key", () => {
    expect(Object.fromEntries(report.plain.byName)["proxy_get_property xds.cluster_name"]).toBe(1);
  });

  it("an MCP request checks its destination too: Envoy's cluster read once, the server's token set with the headers", () => {
    for (const row of report.features.filter((f) => f.case.startsWith("MCP"))) {
      const calls = Object.fromEntries(row.byName);
      expect(calls["proxy_get_property xds.cluster_name"], hostCallTable(report)).toBe(1);
      expect(calls["proxy_replace_header_map_value request headers: authorization"], hostCallTable(report)).toBe(1);
    }
  });

  it.each(Object.keys(HOST_CALL_LIMITS).filter((k) => k !== "plain"))("%s adds no more calls than its limit", (feature) => {
    const rows = { consumer: 0, quota: 1, policy: 2, pooled: 3, failoverTry: 4, streamChunk: 5, mcpCall: 6, mcpList: 7 } as Record<string, number>;
    const row = report.features[rows[feature]];
    expect(row.limit).toBe(HOST_CALL_LIMITS[feature as keyof typeof HOST_CALL_LIMITS]);
    // A row's count moves by a few hundredths with the random backend picks (one backend's path is written).
    expect(row.added, hostCallTable(report)).toBeLessThanOrEqual(row.limit + 0.25);
  });
});

// The bench's MCP rows (src-host-tools/bench/mcp-bench.ts) measure what they say: through the
// module, the bench's tools/call goes to the server with its token, the tools/list answer keeps
// exactly the 10 tools the route allows, and the refused call of the in-VM row is llm-mesh's own
// JSON-RPC error. The table prints every row.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MCP_ANSWERS, MCP_REQUEST_HEADERS, MCP_REQUESTS, McpBenchReport, mcpTable, mcpVm } from "../../src-host-tools/bench/mcp-bench.js";
import { WASM_PATH } from "../support/filter.js";
import { BenchReport, reportTable } from "../../src-host-tools/bench/envoy-bench.js";

const headers = (kind: "list" | "call") => ({ ":method": "POST", ":path": `/mcp/${kind}`, ":authority": "tools.mcp.bench", ":scheme": "http", "content-type": "application/json", authorization: "Bearer client-own", ...MCP_REQUEST_HEADERS });

describe("the bench's MCP requests through the module", () => {
  it("tools/call is forwarded to the server's destination with its token, not the client's", async () => {
    const host = await mcpVm(readFileSync(WASM_PATH));
    const s = host.createStream();
    s.sendRequest(headers("call"), MCP_REQUESTS.call);
    expect(s.localResponse).toBeNull();
    expect(s.requestHeader(":authority")).toBe("tools.mcp.bench:8080");
    expect(s.requestHeader("authorization")).toBe("Bearer bench-mcp-token");
    expect(JSON.parse(s.upstreamBodyText())).toEqual(JSON.parse(MCP_REQUESTS.call));
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(MCP_ANSWERS.call, true);
    expect(JSON.parse(s.downstreamBodyText())).toEqual(JSON.parse(MCP_ANSWERS.call));
  });

  it("the tools/list answer keeps exactly the 10 tools the route allows", async () => {
    const host = await mcpVm(readFileSync(WASM_PATH));
    const s = host.createStream();
    s.sendRequest(headers("list"), MCP_REQUESTS.list);
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(MCP_ANSWERS.list, true);
    const tools = (JSON.parse(s.downstreamBodyText()) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    expect(tools).toHaveLength(10);
    expect(tools.every((n) => n.startsWith("get_") || n.startsWith("search_"))).toBe(true);
  });

  it("a tool outside the list is answered by llm-mesh (-32602) and never forwarded", async () => {
    const host = await mcpVm(readFileSync(WASM_PATH));
    const s = host.createStream();
    s.sendRequest(headers("call"), JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "delete_repo", arguments: {} } }));
    expect(s.localResponse?.status).toBe(200);
    expect(JSON.parse(s.localResponse!.body)).toMatchObject({ jsonrpc: "2.0", id: 4, error: { code: -32602 } });
    expect(s.upstreamBody.length).toBe(0);
  });
});

// The table does not depend on the module: run once, not again against the gc-stress build.
describe.skipIf(process.env.LLM_MESH_WASM !== undefined)("the MCP bench table", () => {
  it("prints each method's CPU, bare and llm-mesh, and each in-VM row", () => {
    const listener = (cpu: number) => ({ rps: 1000, cpuMicrosPerRequest: cpu, p50Micros: 100, p99Micros: 200 });
    const report: McpBenchReport = {
      envoy: [{ method: "tools/list", requestBytes: 58, answerBytes: 6501, concurrency: 16, bare: listener(30), filter: listener(52.5), addedCpuMicros: 22.5, addedP50Micros: 20, addedP99Micros: 40, non2xx: 0 }],
      micro: [{ case: "tools/call (allowed; JSON answer)", micros: 7.25, hostCalls: 11 }],
    };
    const text = mcpTable(report);
    expect(text).toMatch(/tools\/list\s+58 \/ 6501\s+16\s+30\.0 \/ 52\.5\s+22\.5\s+20\/40\s+0/);
    expect(text).toMatch(/tools\/call \(allowed; JSON answer\)\s+7\.3\s+11/);
  });

  it("`--only mcp` prints the MCP rows alone, nothing of the load cases", () => {
    const listener = (cpu: number) => ({ rps: 1000, cpuMicrosPerRequest: cpu, p50Micros: 100, p99Micros: 200 });
    const mcp: McpBenchReport = {
      envoy: [{ method: "tools/call", requestBytes: 141, answerBytes: 1031, concurrency: 16, bare: listener(31), filter: listener(58), addedCpuMicros: 27, addedP50Micros: 78, addedP99Micros: 113, non2xx: 0 }],
      micro: [],
    };
    const r: BenchReport = {
      date: "2026-12-06T00:00:00.000Z", machine: { cores: 2, node: "v20", envoy: "1.40.0" }, moduleBytes: 408 << 10, cases: [],
      envoyRssBefore: NaN, envoyRssAfter: NaN, vmMemoryBefore: NaN, vmMemoryAfter: NaN, micro: [], translation: [], metrics: [], policy: [], secrets: [], soaks: [], scale: [],
      peers: [], upstreamRequestsPerConnection: NaN, mcp, targets: [],
    };
    const table = reportTable(r);
    expect(table).toContain("llm-mesh MCP routes vs bare Envoy 1.40.0");
    expect(table).toContain(mcpTable(mcp));
    expect(table).not.toContain("throughput");
  });
});

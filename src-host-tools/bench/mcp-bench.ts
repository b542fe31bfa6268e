// What an MCP route costs (issue 26): CPU per tools/call and per tools/list (JSON answers) through
// Envoy with llm-mesh against the same MCP server through the same Envoy without it, and the
// module's own time per request in the host emulator. One proxy Envoy (--concurrency 1, pinned to
// CPU 0) with two listeners, "bare" and "llm_mesh", in front of an upstream Envoy that answers as
// an MCP server (a direct_response per path: a 20-tool list, a tool's result), which shares CPU 1
// with h2load. The route lets callers use 10 of the 20 tools, so each tools/list answer is read
// and filtered, and each tools/call is checked against the list. Host calls per MCP request are
// in host-calls.ts, beside every other feature's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { listener, wasmFilter } from "../envoy/bootstrap.js";
import { RunningEnvoy, startEnvoy } from "../envoy/process.js";
import { HostEmulator } from "../host/emulator.js";
import { ListenerResult, LoadResult, h2load, summarize } from "./load.js";
import { time } from "./metrics-micro.js";

/** The MCP server's host as clients and llm-mesh name it, and its port (in :authority). */
const MCP_HOST = "tools.mcp.bench";
const MCP_PORT = 8080;
/** Istio's cluster name for the server, which the filter's destination guard accepts. */
export const MCP_CLUSTER = `outbound|${MCP_PORT}||${MCP_HOST}`;

const TOOL_NAMES = ["get_issue", "get_pull_request", "get_commit", "get_file", "get_release", "search_issues", "search_code", "search_commits", "search_users", "search_repositories",
  "create_issue", "create_pull_request", "create_release", "update_issue", "merge_pull_request", "delete_branch", "delete_repo", "fork_repository", "push_files", "add_comment"];

/** The MCP route (the server's endpoint /mcp; the upstream answers by the x-bench-kind header the client sends); 10 of the 20 tools allowed. */
export const MCP_BENCH_CONFIG = {
  requestMode: "body",
  providers: [{ name: "tools", type: "mcp", host: MCP_HOST, port: MCP_PORT, basePath: "/mcp", apiKeys: [{ value: "bench-mcp-token" }] }],
  routes: [{ name: "mcp-bench", match: { host: MCP_HOST }, backends: [{ provider: "tools" }], mcp: { tools: ["get_*", "search_*"] } }],
};

/** The requests, as an MCP client sends them within a session (2025-11-25). */
export const MCP_REQUESTS = {
  list: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }),
  call: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "get_issue", arguments: { owner: "acme", repo: "llm-mesh", issue_number: 26 } } }),
};
export const MCP_REQUEST_HEADERS = { accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
/** The server's session id (the upstream's answer to initialize); through llm-mesh the client gets it tagged for its caller (request/mcp-session.ts) and sends that. */
export const MCP_SESSION = "5f1c2a9e-0d3b-4a51-9a7e-2b6f0c1d9e77";
const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } });
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "bench", version: "1" } } });

/** The server's JSON answers: 20 tools with descriptions and input schemas (about 5 KB), and a tool's result (about 1 KB). */
export const MCP_ANSWERS = {
  list: JSON.stringify({ jsonrpc: "2.0", id: 2, result: { tools: TOOL_NAMES.map((name) => ({
    name, description: `${name.replace(/_/g, " ")} in a GitHub repository the caller can read.`,
    inputSchema: { type: "object", properties: { owner: { type: "string", description: "Repository owner" }, repo: { type: "string", description: "Repository name" }, issue_number: { type: "number" } }, required: ["owner", "repo"] },
  })) } }),
  call: JSON.stringify({ jsonrpc: "2.0", id: 3, result: { content: [{ type: "text", text: `Issue #26: Agents' tool traffic under the same mesh policy. ${"The body of the issue, as the server returns it. ".repeat(18)}` }], isError: false } }),
};

export interface McpEnvoyRow {
  method: "tools/list" | "tools/call";
  requestBytes: number; answerBytes: number; concurrency: number;
  bare: ListenerResult; filter: ListenerResult;
  /** llm-mesh's CPU per request above bare Envoy's, and its added latency at concurrency 1. */
  addedCpuMicros: number; addedP50Micros: number; addedP99Micros: number;
  non2xx: number;
}

export interface McpMicroRow { case: string; micros: number; hostCalls: number }

export interface McpBenchReport { envoy: McpEnvoyRow[]; micro: McpMicroRow[] }

/** The upstream: an Envoy answering each path with its canned MCP answer, after reading the request whole (so connections are kept). */
function upstreamYaml(): string {
  const answer = (kind: string, body: string, headers: Record<string, string> = {}) => ({ match: { path: "/mcp", headers: [{ name: "x-bench-kind", string_match: { exact: kind } }] }, direct_response: { status: 200, body: { inline_string: body } },
    response_headers_to_add: Object.entries({ "content-type": "application/json", ...headers }).map(([key, value]) => ({ header: { key, value }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" })) });
  return stringify({
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: { listeners: [listener("upstream", 0, { name: "mcp", max_direct_response_body_size_bytes: 1 << 16, virtual_hosts: [{ name: "all", domains: ["*"], routes: [answer("list", MCP_ANSWERS.list), answer("call", MCP_ANSWERS.call), answer("init", INITIALIZED, { "mcp-session-id": MCP_SESSION })] }] },
      [{ name: "envoy.filters.http.buffer", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer", max_request_bytes: 1 << 20 } }], 1 << 20)] },
  }, { lineWidth: 0 });
}

/** The proxy: a listener without a filter and one with llm-mesh, both routing the server's host to its cluster. */
export function mcpProxyYaml(wasmPath: string, upstreamPort: number): string {
  const routes = { name: "mcp_routes", virtual_hosts: [{ name: MCP_CLUSTER, domains: [MCP_HOST, `${MCP_HOST}:${MCP_PORT}`], routes: [{ match: { prefix: "/" }, route: { cluster: MCP_CLUSTER } }] }] };
  const filter = wasmFilter({ wasmPath, pluginConfig: MCP_BENCH_CONFIG as never });
  return stringify({
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [listener("bare", 0, routes, [], 2 << 20), listener("llm_mesh", 0, routes, [filter], 2 << 20)],
      clusters: [{ name: MCP_CLUSTER, type: "STATIC", connect_timeout: "2s",
        load_assignment: { cluster_name: MCP_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: upstreamPort } } } }] }] } }],
    },
  }, { lineWidth: 0 });
}

export interface McpBenchOptions { envoyPath: string; wasmPath: string; smoke: boolean; duration: number; rounds: number; log: (line: string) => void }

/** CPU per tools/list and per tools/call, bare Envoy vs llm-mesh, runs alternating so drift cancels. */
export async function runMcpEnvoyBench(o: McpBenchOptions): Promise<McpEnvoyRow[]> {
  const work = mkdtempSync(join(tmpdir(), "llm-mesh-mcp-bench-"));
  const upstream = await startEnvoy({ envoyPath: o.envoyPath, config: upstreamYaml(), concurrency: 1, logLevel: "warn", cpus: "1" });
  let proxy: RunningEnvoy | undefined;
  try {
    proxy = await startEnvoy({ envoyPath: o.envoyPath, config: mcpProxyYaml(o.wasmPath, Number(new URL(upstream.url).port)), concurrency: 1, logLevel: "warn", cpus: "0" });
    const listeners = { bare: proxy.listeners.bare, filter: proxy.listeners.llm_mesh };
    // A session, as a client opens one: through llm-mesh, its id comes back tagged for the caller.
    const sessions: Record<string, string> = { bare: MCP_SESSION, filter: await openSession(listeners.filter) };
    const rows: McpEnvoyRow[] = [];
    const [concurrency, warmup, latencyRequests] = o.smoke ? [16, 1000, 300] : [16, 5000, 3000];
    for (const kind of ["list", "call"] as const) {
      const method = kind === "list" ? "tools/list" : "tools/call";
      const bodyFile = join(work, `${kind}.json`);
      writeFileSync(bodyFile, MCP_REQUESTS[kind]);
      const h = (url: string, c: number, n: number) => h2load(url, MCP_HOST, bodyFile, c, n, proxy!.pid, work, undefined,
        { path: "/mcp", headers: { ...MCP_REQUEST_HEADERS, "mcp-session-id": url === listeners.filter ? sessions.filter : sessions.bare, "x-bench-kind": kind } });
      o.log(`MCP ${method}: warming up…`);
      let perRun = warmup;
      for (const [key, url] of Object.entries(listeners)) {
        const warm = await h(url, concurrency, warmup);
        if (key === "bare") perRun = Math.max(warmup, Math.round(warm.rps * o.duration));
      }
      const load: Record<string, LoadResult[]> = { bare: [], filter: [] };
      const latency: Record<string, LoadResult[]> = { bare: [], filter: [] };
      for (let round = 0; round < o.rounds; round++) {
        o.log(`MCP ${method}: round ${round + 1}/${o.rounds}`);
        for (const [key, url] of Object.entries(listeners)) load[key].push(await h(url, concurrency, perRun));
        for (const [key, url] of Object.entries(listeners)) latency[key].push(await h(url, 1, latencyRequests));
      }
      const { non2xx: bareErrors, ...bare } = summarize(load.bare, latency.bare);
      const { non2xx: filterErrors, ...filter } = summarize(load.filter, latency.filter);
      rows.push({
        method, requestBytes: Buffer.byteLength(MCP_REQUESTS[kind]), answerBytes: Buffer.byteLength(MCP_ANSWERS[kind]), concurrency, bare, filter,
        addedCpuMicros: filter.cpuMicrosPerRequest - bare.cpuMicrosPerRequest,
        addedP50Micros: filter.p50Micros - bare.p50Micros, addedP99Micros: filter.p99Micros - bare.p99Micros,
        non2xx: bareErrors + filterErrors,
      });
    }
    return rows;
  } finally {
    await proxy?.stop();
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Opens a session through a listener (initialize): the session id the client got. */
async function openSession(url: string): Promise<string> {
  const u = new URL(url);
  return await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: "/mcp", method: "POST",
      headers: { host: MCP_HOST, "content-type": "application/json", "content-length": Buffer.byteLength(INITIALIZE), "x-bench-kind": "init", ...MCP_REQUEST_HEADERS } }, (res) => {
      res.resume();
      const id = res.headers["mcp-session-id"];
      res.on("end", () => (res.statusCode === 200 && typeof id === "string" ? resolve(id) : reject(new Error(`MCP bench: initialize through ${url} answered ${res.statusCode} without a session id`))));
    });
    req.on("error", reject);
    req.end(INITIALIZE);
  });
}

/** A VM with the MCP route, Envoy's route choice being the server's own cluster. */
export async function mcpVm(wasm: Uint8Array, config: Record<string, unknown> = MCP_BENCH_CONFIG): Promise<HostEmulator> {
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: true, routeCluster: () => MCP_CLUSTER });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  return host;
}

/** One MCP request through the VM, answered with `answer` (JSON), or refused by llm-mesh when `refused`. */
export function mcpRequest(host: HostEmulator, kind: "list" | "call", request = MCP_REQUESTS[kind], refused = false, session?: string): () => void {
  const body = Buffer.from(request);
  const headers = { ":method": "POST", ":path": "/mcp", "x-bench-kind": kind, ":authority": MCP_HOST, ":scheme": "http", "content-type": "application/json", ...MCP_REQUEST_HEADERS,
    ...(session !== undefined ? { "mcp-session-id": session } : {}) };
  return () => {
    const s = host.createStream();
    s.sendRequest(headers, body);
    if (refused) {
      if (!s.localResponse) throw new Error("expected llm-mesh to answer the refused call itself");
    } else {
      if (s.localResponse) throw new Error(`refused: ${s.localResponse.status} ${s.localResponse.body}`);
      s.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": String(Buffer.byteLength(MCP_ANSWERS[kind])) });
      s.sendResponseBody(MCP_ANSWERS[kind], true);
    }
    s.complete();
  };
}

/** Opens a session in the VM (initialize, answered with the server's id): the id the client got. */
export function mcpSession(host: HostEmulator): string {
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": MCP_HOST, ":scheme": "http", "content-type": "application/json", ...MCP_REQUEST_HEADERS }, INITIALIZE);
  s.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "mcp-session-id": MCP_SESSION });
  s.sendResponseBody(INITIALIZED, true);
  const id = s.responseHeader("mcp-session-id");
  s.complete();
  if (id === undefined || id === null) throw new Error("MCP bench: the VM gave no session id");
  return id;
}

/** The module's own time per MCP request in the host emulator (the emulator's host functions taken out). */
export async function runMcpMicro(wasmPath: string, minMillis = 1000): Promise<McpMicroRow[]> {
  const host = await mcpVm(readFileSync(wasmPath));
  const session = mcpSession(host);
  const denied = JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "delete_repo", arguments: { owner: "acme", repo: "llm-mesh" } } });
  const cases: [string, () => void][] = [
    ["tools/list (20 tools, 10 allowed; JSON answer)", mcpRequest(host, "list", MCP_REQUESTS.list, false, session)],
    ["tools/call (allowed; JSON answer)", mcpRequest(host, "call", MCP_REQUESTS.call, false, session)],
    ["tools/call refused by llm-mesh (not allowed)", mcpRequest(host, "call", denied, true, session)],
  ];
  return cases.map(([name, once]) => {
    const r = time(host, once, minMillis);
    return { case: name, micros: r.micros, hostCalls: r.calls };
  });
}

/** Both parts, for `llm-mesh bench`. */
export async function runMcpBench(o: McpBenchOptions): Promise<McpBenchReport> {
  const envoy = await runMcpEnvoyBench(o);
  o.log("MCP in-VM microbenchmark…");
  return { envoy, micro: await runMcpMicro(o.wasmPath, o.smoke ? 300 : 1500) };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

export function mcpTable(r: McpBenchReport): string {
  const lines = [
    "MCP routes (a 20-tool server, 10 tools allowed; JSON answers): Envoy CPU per request, bare vs llm-mesh, and latency at concurrency 1:",
    "method       request/answer bytes   conc   CPU µs/req bare / llm-mesh   added CPU µs   added p50/p99 µs   non-2xx",
  ];
  for (const e of r.envoy) {
    lines.push(`${e.method.padEnd(12)} ${`${e.requestBytes} / ${e.answerBytes}`.padStart(20)} ${String(e.concurrency).padStart(6)}   ${`${fmt(e.bare.cpuMicrosPerRequest, 1)} / ${fmt(e.filter.cpuMicrosPerRequest, 1)}`.padStart(26)} ${fmt(e.addedCpuMicros, 1).padStart(14)} ${`${fmt(e.addedP50Micros)}/${fmt(e.addedP99Micros)}`.padStart(18)} ${String(e.non2xx).padStart(9)}`);
  }
  if (r.micro.length > 0) {
    lines.push("", "MCP requests in the VM (host emulator; module time, the emulator's host functions taken out):", "case                                               µs/request   host calls");
    for (const m of r.micro) lines.push(`${m.case.padEnd(50)} ${fmt(m.micros, 1).padStart(10)} ${fmt(m.hostCalls, 0).padStart(12)}`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `tsx src-host-tools/bench/mcp-bench.ts [module.wasm] [--micro]`: the MCP rows alone.
  const { locateEnvoy, PROJECT_ROOT } = await import("../envoy/locate.js");
  const wasmPath = process.argv.slice(2).find((a) => a.endsWith(".wasm")) ?? join(PROJECT_ROOT, "build", "llm-mesh.wasm");
  if (process.argv.includes("--micro")) console.log(mcpTable({ envoy: [], micro: await runMcpMicro(wasmPath) }));
  else console.log(mcpTable(await runMcpBench({ envoyPath: locateEnvoy().path, wasmPath, smoke: true, duration: 1, rounds: 1, log: console.log })));
}

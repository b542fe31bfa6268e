// Metrics through the whole monitoring path: real Envoy running the module, real Prometheus
// (Debian's) scraping Envoy's /stats/prometheus, PromQL asserting that token sums, request counts
// and histogram buckets match what the canned providers answered. Every query of the shipped
// Grafana dashboard runs against the same Prometheus. Also the access log's llm-mesh fields and
// trace headers kept end to end.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { LLM_PANELS, MCP_PANELS, Panel, resolveGrafanaQuery } from "../../src-host-tools/telemetry/dashboard.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { McpUpstream } from "../support/mcp-upstream.js";
import { PROMETHEUS_METRICS as M } from "../../src-host-tools/telemetry/envoy.js";
import { RunningPrometheus, startPrometheus } from "../../src-host-tools/telemetry/prometheus.js";
import { MeshCerts, makeMeshCerts } from "../../src-host-tools/telemetry/mesh-certs.js";
import { CannedUpstream } from "../support/canned-upstream.js";
import { send } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";
import { METRICS_CONFIG, METRICS_ENV, USAGE_ROWS, UsageRow } from "../support/usage-rows.js";

/** Each row is sent this many times (2 to 4), so sums differ from counts: once before Prometheus's first scrape, the rest after (so rates have two points). */
const repeats = (i: number) => (i % 3) + 2;
const RATE_LIMITED = { ...USAGE_ROWS[0], name: "429", answer: { status: 429, body: { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } } } };

/** Every query of these dashboard panels returns finite data. */
async function expectPanelsHaveData(prometheus: RunningPrometheus, panels: Panel[]): Promise<void> {
  for (const panel of panels) {
    for (const target of panel.targets) {
      const expr = resolveGrafanaQuery(target.expr);
      const result = await prometheus.query(expr);
      expect(result.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
      expect(result.every((s) => Number.isFinite(Number(s.value[1]))), `${panel.title}: ${expr}`).toBe(true);
    }
  }
}

describe("metrics in Prometheus, scraped from real Envoy", () => {
  const upstream = new CannedUpstream();
  let envoy: RunningEnvoy;
  let prometheus: RunningPrometheus;
  let dir: string;
  const sent: UsageRow[] = [];
  const replies = new Map<UsageRow, string>();

  const value = async (expr: string): Promise<number> => {
    const result = await prometheus.query(expr);
    expect(result, expr).toHaveLength(1);
    return Number(result[0].value[1]);
  };
  const byLabel = async (expr: string, label: string): Promise<Record<string, number>> =>
    Object.fromEntries((await prometheus.query(expr)).map((s) => [s.metric[label], Number(s.value[1])]));

  /** The access log's lines once it holds `count` (Envoy flushes it every quarter second). */
  const logLines = async (count: number): Promise<Record<string, unknown>[]> => {
    for (let i = 0; ; i++) {
      const lines = readFileSync(join(dir, "access.log"), "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (lines.length >= count || i > 50) { expect(lines).toHaveLength(count); return lines; }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "llm-mesh-metrics-"));
    const port = await upstream.start();
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, fileFlushIntervalMs: 200, config: bootstrapYaml({
      wasmPath: WASM_PATH, pluginConfig: METRICS_CONFIG, mockUpstream: { address: "127.0.0.1", port }, env: { values: METRICS_ENV },
      accessLogPath: join(dir, "access.log"), statsFlushIntervalMs: 1000,
    }) });
    prometheus = await startPrometheus([envoy.adminUrl.replace("http://", "")]);
    // Every usage row, one at a time (the canned upstream answers the current row), and one 429, in two waves.
    for (const wave of [0, 1]) {
      for (const [i, row] of USAGE_ROWS.entries()) {
        for (let n = 0; n < (wave === 0 ? 1 : repeats(i) - 1); n++) {
          upstream.row = row;
          const reply = await send(envoy.url, { host: row.host, path: row.path, body: JSON.stringify(row.request), headers: row.headers ?? {} }).catch(() => undefined);
          if (reply && wave === 0) replies.set(row, reply.body);
          sent.push(row);
        }
      }
      upstream.row = RATE_LIMITED;
      const limited = await send(envoy.url, { host: RATE_LIMITED.host, path: RATE_LIMITED.path, body: JSON.stringify(RATE_LIMITED.request) });
      expect(limited.status).toBe(429);
      // The VM hands its counts to Envoy on its tick (every 100 ms); Envoy merges histograms every second; then a scrape.
      await new Promise((r) => setTimeout(r, 1600));
      await prometheus.scrapedAfter(Date.now());
    }
  }, 120_000);
  afterAll(async () => {
    await prometheus?.stop();
    await envoy?.stop();
    await upstream.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("clients get exactly the stream they asked for: the usage chunk llm-mesh asked for is cut, in 37-byte pieces too", () => {
    const rows = USAGE_ROWS.filter((r) => r.clientBody !== undefined);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(replies.get(row), row.name).toBe(row.clientBody);
  });

  it("counts every request, by route and status class", async () => {
    expect(await value(`sum(${M.requests})`)).toBe(sent.length + 2);
    expect(await value(`sum(${M.requests}{llm_mesh_status_class="4xx"})`)).toBe(2);
    const byRoute = await byLabel(`sum by (llm_mesh_route) (${M.requests})`, "llm_mesh_route");
    const expected: Record<string, number> = {};
    for (const row of [...sent, RATE_LIMITED, RATE_LIMITED]) expected[row.expected.route] = (expected[row.expected.route] ?? 0) + 1;
    expect(byRoute).toEqual(expected);
  });

  it("sums tokens by provider and type exactly as the providers reported them", async () => {
    const expected: Record<string, number> = {};
    const add = (key: string, n: number | undefined) => { if (n) expected[key] = (expected[key] ?? 0) + n; };
    for (const row of sent) {
      const e = row.expected;
      add(`${e.provider} input`, e.input);
      add(`${e.provider} output`, e.output);
      add(`${e.provider} cached_input`, e.cached);
      add(`${e.provider} cache_write_input`, e.cacheWrite);
      add(`${e.provider} reasoning`, e.reasoning);
    }
    const result = await prometheus.query(`sum by (gen_ai_provider_name, gen_ai_token_type) (${M.tokens})`);
    const got = Object.fromEntries(result.map((s) => [`${s.metric.gen_ai_provider_name} ${s.metric.gen_ai_token_type}`, Number(s.value[1])]).filter(([, v]) => v !== 0));
    expect(got).toEqual(expected);
  });

  it("fills the token histogram's buckets and counts as the samples fall", async () => {
    const inputs = sent.map((r) => r.expected.input);
    expect(await value(`sum(${M.tokenUsage}_count{gen_ai_token_type="input"})`)).toBe(inputs.length);
    // Bucket bounds 16 and 256 (none of the rows' figures sits on a bound).
    expect(await value(`sum(${M.tokenUsage}_bucket{gen_ai_token_type="input",le="16"})`)).toBe(inputs.filter((n) => n <= 16).length);
    expect(await value(`sum(${M.tokenUsage}_bucket{gen_ai_token_type="input",le="256"})`)).toBe(inputs.filter((n) => n <= 256).length);
    const streams = sent.filter((r) => r.expected.stream).length;
    expect(await value(`sum(${M.timeToFirstChunk}_count)`)).toBe(streams);
    expect(await value(`sum(${M.duration}_count)`)).toBe(sent.length + 2);
  });

  it("marks estimated and cut-short usage, and prices what has a price", async () => {
    const usage = await byLabel(`sum by (llm_mesh_usage) (${M.requests})`, "llm_mesh_usage");
    const count = (u: string) => sent.filter((r) => r.expected.usage === u).length;
    expect(usage).toEqual({ reported: count("reported"), estimated: count("estimated"), incomplete: count("incomplete"), none: 2 });
    // Rows give each request's cost rounded down; the counter carries fractions over, so it is at
    // least their sum and at most one micro-unit more per priced request.
    const cost = await value(`sum(${M.cost}{llm_mesh_currency="EUR"})`);
    const priced = sent.filter((r) => r.expected.costMicros !== undefined);
    const floors = priced.reduce((s, r) => s + r.expected.costMicros!, 0);
    expect(cost).toBeGreaterThanOrEqual(floors);
    expect(cost).toBeLessThan(floors + priced.length);
  });

  it("runs every query of the Grafana dashboard's LLM panels, each with data", async () => {
    await expectPanelsHaveData(prometheus, LLM_PANELS);
  });

  it("prints route, models, tokens and time to first token in Envoy's access log", async () => {
    const lines = (await logLines(sent.length + 2)) as Record<string, string | number | null>[];
    // llm-mesh's own fields are one JSON object (one filter-state value, written in one host call).
    const fields = (l: Record<string, unknown>) => (typeof l.llm_mesh === "string" ? JSON.parse(l.llm_mesh) : {}) as Record<string, string | number>;
    const first = lines[0];
    const e = USAGE_ROWS[0].expected;
    expect(first).toMatchObject({ backend: e.backend, request_model: "gpt-4o", status: 200 });
    expect(fields(first)).toMatchObject({ route: e.route, response_model: "gpt-4o-2024-08-06", input_tokens: e.input, output_tokens: e.output, usage: "reported" });
    const streamed = lines.find((l) => l.path === "/v1/messages" && fields(l).route === "claude" && fields(l).ttft_ms !== undefined);
    expect(Number(fields(streamed!).ttft_ms)).toBeGreaterThanOrEqual(0);
  });

  it("keeps trace context intact end to end", async () => {
    upstream.row = USAGE_ROWS[0];
    upstream.received.length = 0;
    const trace = {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "congo=t61rcWkgMzE",
      "x-request-id": "7c4e1f2a-llm-mesh-test", "x-b3-traceid": "463ac35c9f6413ad48485a3953bb6124", "x-b3-spanid": "a2fb4a1d1a96d312", "x-b3-sampled": "1",
    };
    const reply = await send(envoy.url, { host: "gpt.llm", path: "/v1/chat/completions", body: JSON.stringify(USAGE_ROWS[0].request), headers: trace });
    expect(reply.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    for (const [name, v] of Object.entries(trace)) expect(upstream.received[0].headers[name], name).toBe(v);
    const last = (await logLines(sent.length + 3)).pop();
    expect(last).toMatchObject({ traceparent: trace.traceparent, request_id: trace["x-request-id"] });
  });
});

describe("the caller's mesh identity from a real mTLS handshake (a gateway's view)", () => {
  const callers = ["spiffe://cluster.local/ns/shop/sa/chatbot", "spiffe://cluster.local/ns/support/sa/agent"];
  const upstream = new CannedUpstream();
  let certs: MeshCerts;
  let envoy: RunningEnvoy;

  /** One chat request over mTLS as `caller`. */
  const call = (caller: string): Promise<number> => new Promise((resolve, reject) => {
    const url = new URL(envoy.url);
    const pair = certs.clients[caller];
    const req = httpsRequest({
      host: "127.0.0.1", port: url.port, path: "/v1/chat/completions", method: "POST", servername: "localhost",
      ca: readFileSync(certs.ca), cert: readFileSync(pair.cert), key: readFileSync(pair.key),
      headers: { host: "gpt.llm", "content-type": "application/json" },
    }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode ?? 0)); });
    req.on("error", reject);
    req.end(JSON.stringify(USAGE_ROWS[0].request));
  });

  beforeAll(async () => {
    certs = makeMeshCerts(callers);
    const port = await upstream.start();
    upstream.row = USAGE_ROWS[0];
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({
      wasmPath: WASM_PATH, pluginConfig: METRICS_CONFIG, mockUpstream: { address: "127.0.0.1", port }, env: { values: METRICS_ENV },
      downstreamMtls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca },
    }) });
  }, 60_000);
  afterAll(async () => { await envoy?.stop(); await upstream.close(); certs?.remove(); });

  it("labels each caller's requests and tokens with its SPIFFE id", async () => {
    for (const [i, caller] of callers.entries()) for (let n = 0; n <= i; n++) expect(await call(caller)).toBe(200);
    // The VM hands its counts to Envoy on its tick, at most 100 ms after the request.
    await new Promise((r) => setTimeout(r, 300));
    const text = await (await fetch(`${envoy.adminUrl}/stats/prometheus`)).text();
    const requests = (caller: string) => Number(text.split("\n").find((l) => l.startsWith("llm_mesh_requests_total{") && l.includes(`source_principal="${caller}"`))?.split(" ").pop());
    expect(callers.map(requests)).toEqual([1, 2]);
    const tokens = text.split("\n").find((l) => l.startsWith("llm_mesh_tokens_total{") && l.includes('gen_ai_token_type="input"') && l.includes(callers[1]));
    expect(Number(tokens?.split(" ").pop())).toBe(2 * USAGE_ROWS[0].expected.input);
  });
});

describe("MCP metrics in Prometheus, scraped from real Envoy", () => {
  const upstream = new McpUpstream({ "tools.example.com": ["read_file", "search", "broken"] });
  const triage = newKey();
  const release = newKey();
  const config = {
    requestMode: "body",
    providers: [{ name: "tools", type: "mcp", host: "tools.example.com", basePath: "/mcp" }],
    routes: [{ name: "tools", match: { host: "tools.example.com" }, backends: [{ provider: "tools" }], requireConsumer: true, mcp: { tools: [] } }],
    consumers: [
      { name: "triage", keys: [triage.stored], mcp: [{ server: "tools", tools: ["read_file", "search", "broken", "missing"] }] },
      { name: "release", keys: [release.stored], mcp: [{ server: "tools", tools: ["read_file"] }] },
    ],
  };
  let envoy: RunningEnvoy;
  let prometheus: RunningPrometheus;
  // caller, method, tool, the error_type the call must count as
  const CALLS: [string, string, string | undefined, string][] = [
    [triage.key, "tools/list", undefined, "none"],
    [triage.key, "tools/call", "read_file", "none"],
    [triage.key, "tools/call", "missing", "tool_error"], // the server answers isError: true for a tool it lacks
    [triage.key, "prompts/list", undefined, "-32601"], // the server has no prompts: Method not found
    [release.key, "tools/call", "search", "denied"],
    [release.key, "tools/call", "read_file", "none"],
  ];
  let id = 1;
  const call = ([key, method, tool]: (typeof CALLS)[number]) => send(envoy.url, {
    host: "tools.example.com", path: "/mcp", headers: { authorization: `Bearer ${key}`, accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: id++, method, ...(tool ? { params: { name: tool, arguments: {} } } : {}) }),
  });

  beforeAll(async () => {
    const port = await upstream.start();
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({
      wasmPath: WASM_PATH, pluginConfig: config, providerUpstreams: { tools: { address: "127.0.0.1", port } }, statsFlushIntervalMs: 1000,
    }) });
    prometheus = await startPrometheus([envoy.adminUrl.replace("http://", "")]);
    // Twice: once before Prometheus's first scrape and once after, so rates have two points.
    for (const wave of [0, 1]) {
      for (const c of CALLS) expect((await call(c)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      await prometheus.scrapedAfter(Date.now());
    }
  }, 120_000);
  afterAll(async () => { await prometheus?.stop(); await envoy?.stop(); await upstream.close(); });

  it("counts every JSON-RPC request by method, tool, error type, server and consumer", async () => {
    const result = await prometheus.query("llm_mesh_mcp_calls_total");
    const got: Record<string, number> = {};
    for (const s of result) {
      const m = s.metric;
      expect(m.llm_mesh_mcp_server).toBe("tools");
      expect(m.llm_mesh_route).toBe("tools");
      const key = `${m.llm_mesh_consumer} ${m.mcp_method_name} ${m.gen_ai_tool_name ?? "-"} ${m.error_type}`;
      got[key] = (got[key] ?? 0) + Number(s.value[1]);
    }
    const expected: Record<string, number> = {};
    for (const [key, method, tool, error] of CALLS) {
      const k = `${key === triage.key ? "triage" : "release"} ${method} ${tool ?? "-"} ${error}`;
      expected[k] = (expected[k] ?? 0) + 2;
    }
    expect(got).toEqual(expected);
    // One duration sample per request, refused ones too.
    const count = await prometheus.query("sum(mcp_client_operation_duration_ms_count)");
    expect(Number(count[0].value[1])).toBe(CALLS.length * 2);
    // The refused call never reached the server.
    expect(upstream.received.filter((r) => r.body.params?.name === "search")).toEqual([]);
  });

  it("runs every query of the Grafana dashboard's MCP panels, each with data", async () => {
    await expectPanelsHaveData(prometheus, MCP_PANELS);
  });
});

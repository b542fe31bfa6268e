// Usage, latency and cost metrics through the compiled module in the host emulator: every usage
// row (test/support/usage-rows.ts) in both request modes, answers also one byte per callback.
import { describe, expect, it } from "vitest";
import { HostEmulator, HttpStream, LabelledMetric } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";
import { answerBytes } from "../support/translation-rows.js";
import { mutate, rng } from "../support/random.js";
import { METRICS_CONFIG, METRICS_ENV, USAGE_ROWS, UsageRow, data } from "../support/usage-rows.js";
import { readFileSync } from "node:fs";
import { METRIC_LABELS, statsTags } from "../../src-host-tools/telemetry/envoy.js";
import { DASHBOARD_PATH, dashboardText } from "../../src-host-tools/telemetry/write-dashboard.js";

const MS = 1_000_000n;
const PRINCIPAL = "spiffe://cluster.local/ns/shop/sa/chatbot";
/** Hosts of providers that need body mode (their path or signature depends on the body). */
const BODY_ONLY = new Set(["gemini.llm", "bedrock.llm"]);

/** The metrics config in headers mode: without the body-mode-only providers. */
const HEADERS_CONFIG = {
  ...METRICS_CONFIG, requestMode: "headers",
  providers: METRICS_CONFIG.providers.filter((p) => p.type !== "gemini" && p.type !== "bedrock"),
  routes: METRICS_CONFIG.routes.filter((r) => !BODY_ONLY.has(r.match.host)),
};

/** A clock the test moves: the request at 0, headers at 100 ms, the first chunk at 300 ms, the last at 1300 ms. */
class TestClock {
  now = 1_700_000_000_000n * MS;
  at(ms: number): void { this.now = 1_700_000_000_000n * MS + BigInt(ms) * MS; }
}

async function filterFor(mode: string, clock: TestClock, config: object = mode === "body" ? METRICS_CONFIG : HEADERS_CONFIG): Promise<HostEmulator> {
  const { host, configured } = await loadFilter(config, { allowOnHeadersStopIteration: mode === "body", env: METRICS_ENV, clock: () => clock.now });
  expect(configured, host.logText().join("\n")).toBe(true);
  return host;
}

/** One request and its answer, then the root context's tick, which hands the request's metrics to Envoy (unless `tick` is false). */
function run(host: HostEmulator, clock: TestClock, row: UsageRow, byteByByte = false, properties: Record<string, string> = {}, tick = true): HttpStream {
  clock.at(0);
  const stream = host.createStream(properties);
  stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", ...(row.headers ?? {}) }, JSON.stringify(row.request));
  expect(stream.localResponse?.body).toBeUndefined();
  const { bytes, contentType } = answerBytes(row.answer);
  clock.at(100);
  stream.sendResponseHeaders({ ":status": String(row.answer.status ?? 200), "content-type": contentType, "content-length": String(bytes.length) });
  const pieces = byteByByte ? [...bytes].map((b) => Uint8Array.of(b)) : row.answer.chunks ? row.answer.chunks.map((c) => Buffer.from(c)) : [bytes];
  pieces.forEach((piece, i) => {
    clock.at(i === 0 ? 300 : i === pieces.length - 1 ? 1300 : 300 + i);
    stream.sendResponseBody(piece, !row.cut && i === pieces.length - 1);
  });
  clock.at(1400);
  stream.complete();
  if (tick) host.tick();
  return stream;
}

/** The VM as Istio's proxy `id` serving service account `sa` in `ns` (node metadata the filter reads). */
function asIstioNode(host: HostEmulator, id: string, ns: string, sa: string): HostEmulator {
  Object.assign(host.properties, { "node.id": id, "node.metadata.NAMESPACE": ns, "node.metadata.SERVICE_ACCOUNT": sa });
  return host;
}

/** The one metric of `name` recorded, with its labels. */
function only(host: HostEmulator, name: string, labels: Record<string, string> = {}): LabelledMetric {
  const found = host.labelled(name).filter((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
  expect(found.map((m) => m.labels), `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0];
}

function expectRecorded(host: HostEmulator, row: UsageRow, principal = "unknown"): void {
  const e = row.expected;
  const labels = {
    gen_ai_operation_name: e.operation, gen_ai_provider_name: e.provider, gen_ai_request_model: e.requestModel, gen_ai_response_model: e.responseModel,
    llm_mesh_route: e.route, llm_mesh_backend: e.backend, llm_mesh_status_class: "2xx", llm_mesh_usage: e.usage, source_principal: principal,
  };
  expect(only(host, "llm_mesh.requests.total").labels).toEqual(labels);
  expect(only(host, "llm_mesh.requests.total").value).toBe(1n);
  const tokens = (type: string) => host.labelled("llm_mesh.tokens.total").find((m) => m.labels.gen_ai_token_type === type)?.value ?? 0n;
  expect({ input: tokens("input"), output: tokens("output"), cached: tokens("cached_input"), cacheWrite: tokens("cache_write_input"), reasoning: tokens("reasoning") })
    .toEqual({ input: BigInt(e.input), output: BigInt(e.output), cached: BigInt(e.cached ?? 0), cacheWrite: BigInt(e.cacheWrite ?? 0), reasoning: BigInt(e.reasoning ?? 0) });
  for (const m of host.labelled("llm_mesh.tokens.total")) expect(m.labels).toEqual({ ...labels, gen_ai_token_type: m.labels.gen_ai_token_type });
  // The OTel histogram: one sample each of input and output (embeddings have no output).
  expect(only(host, "gen_ai.client.token.usage", { gen_ai_token_type: "input" }).samples).toEqual([BigInt(e.input)]);
  const outputs = host.labelled("gen_ai.client.token.usage").filter((m) => m.labels.gen_ai_token_type === "output");
  expect(outputs.flatMap((m) => m.samples)).toEqual(e.operation === "embeddings" ? [] : [BigInt(e.output)]);
  // Durations from the test clock: request at 0; the last chunk at 1300 ms (a cut stream: done at 1400 ms).
  const pieces = row.answer.chunks?.length ?? 1;
  const lastAt = pieces === 1 ? 300 : 1300;
  expect(only(host, "gen_ai.client.operation.duration.ms").samples).toEqual([BigInt(row.cut ? 1400 : lastAt)]);
  const firstChunk = host.labelled("gen_ai.client.operation.time_to_first_chunk.ms");
  if (e.stream) {
    expect(firstChunk.flatMap((m) => m.samples)).toEqual([300n]);
    const perToken = host.labelled("gen_ai.server.time_per_output_token.us").flatMap((m) => m.samples);
    // One piece: the first chunk is the last, so there is no time between tokens to divide.
    if (e.output > 1 && !row.cut) expect(perToken).toEqual(pieces > 1 ? [BigInt(Math.floor(((lastAt - 300) * 1000) / (e.output - 1)))] : []);
  } else expect(firstChunk).toEqual([]);
  const cost = host.labelled("llm_mesh.cost.micros.total");
  if (e.costMicros === undefined) expect(cost).toEqual([]);
  else {
    expect(cost.map((m) => m.labels.llm_mesh_currency)).toEqual(["EUR"]);
    expect(cost[0].value).toBe(BigInt(e.costMicros));
  }
}

describe("usage metrics in the emulator", () => {
  for (const mode of ["body", "headers"]) {
    for (const row of USAGE_ROWS) {
      if (mode === "headers" && BODY_ONLY.has(row.host)) continue;
      it(`${mode} mode: ${row.name}`, async () => {
        const clock = new TestClock();
        const host = await filterFor(mode, clock);
        const stream = run(host, clock, row);
        expect(host.trap).toBeNull();
        expectRecorded(host, row);
        if ("upstreamStreamOptions" in row) expect((json(stream.upstreamBodyText()) as { stream_options?: unknown }).stream_options).toEqual(row.upstreamStreamOptions);
        if (row.clientBody !== undefined) expect(stream.downstreamBodyText()).toBe(row.clientBody);
        // The access log's fields, as one JSON object in Envoy filter state.
        if (!row.cut) {
          const log = json(stream.properties["llm_mesh.log"]) as Record<string, unknown>;
          expect(log).toMatchObject({ route: row.expected.route, input_tokens: row.expected.input, output_tokens: row.expected.output, usage: row.expected.usage });
          expect(log.ttft_ms).toBe(row.expected.stream ? 300 : undefined);
        }
      });
      if (row.answer.chunks || mode === "headers") continue;
      it(`${mode} mode, one byte per callback: ${row.name}`, async () => {
        const clock = new TestClock();
        const host = await filterFor(mode, clock);
        run(host, clock, { ...row, answer: { ...row.answer } }, true);
        expect(host.labelled("llm_mesh.tokens.total").find((m) => m.labels.gen_ai_token_type === "input")?.value).toBe(BigInt(row.expected.input));
      });
    }
  }

  it("streams delivered one byte per callback give the same usage and the same client bytes", async () => {
    for (const row of USAGE_ROWS.filter((r) => r.answer.chunks && !r.cut)) {
      const clock = new TestClock();
      const host = await filterFor("body", clock);
      const stream = run(host, clock, row, true);
      const tokens = (type: string) => host.labelled("llm_mesh.tokens.total").find((m) => m.labels.gen_ai_token_type === type)?.value;
      expect([tokens("input"), tokens("output")], row.name).toEqual([BigInt(row.expected.input), BigInt(row.expected.output)]);
      if (row.clientBody !== undefined) expect(stream.downstreamBodyText(), row.name).toBe(row.clientBody);
    }
  });

  it("labels the caller's mesh identity: the mTLS peer, else the sidecar's own workload on outbound", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    run(host, clock, USAGE_ROWS[0], false, { "connection.uri_san_peer_certificate": PRINCIPAL });
    expect(only(host, "llm_mesh.requests.total").labels.source_principal).toBe(PRINCIPAL);
    const sidecar = asIstioNode(await filterFor("body", clock), "sidecar~10.1.2.3~checkout-7d4b9.shop~shop.svc.cluster.local", "shop", "checkout");
    run(sidecar, clock, USAGE_ROWS[0]);
    expect(only(sidecar, "llm_mesh.requests.total").labels.source_principal).toBe("spiffe://cluster.local/ns/shop/sa/checkout");
    // A gateway's own identity is not the caller's: without a peer certificate the caller is unknown.
    const gateway = asIstioNode(await filterFor("body", clock), "router~10.1.2.4~istio-egressgateway-5c8.istio-system~istio-system.svc.cluster.local", "istio-system", "istio-egressgateway");
    run(gateway, clock, USAGE_ROWS[0]);
    expect(only(gateway, "llm_mesh.requests.total").labels.source_principal).toBe("unknown");
  });

  it("records provider errors by status class, without tokens", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    run(host, clock, { ...USAGE_ROWS[0], answer: { status: 429, body: { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } } } });
    const requests = only(host, "llm_mesh.requests.total");
    expect(requests.labels).toMatchObject({ llm_mesh_status_class: "4xx", llm_mesh_usage: "none", gen_ai_response_model: "none" });
    expect(host.labelled("llm_mesh.tokens.total")).toEqual([]);
    expect(only(host, "gen_ai.client.operation.duration.ms").samples).toHaveLength(1);
  });

  it("keeps labels bounded: unknown models are \"other\" unless metrics.models is \"any\"", async () => {
    const clock = new TestClock();
    const unknown = { ...USAGE_ROWS[0], request: { ...USAGE_ROWS[0].request, model: "gpt-5-preview-xyz" } };
    const host = await filterFor("body", clock);
    run(host, clock, unknown);
    expect(only(host, "llm_mesh.requests.total").labels).toMatchObject({ gen_ai_request_model: "other", gen_ai_response_model: "other" });
    const any = await filterFor("body", clock, { ...METRICS_CONFIG, metrics: { models: "any" } });
    run(any, clock, unknown);
    expect(only(any, "llm_mesh.requests.total").labels).toMatchObject({ gen_ai_request_model: "gpt-5-preview-xyz", gen_ai_response_model: "gpt-4o-2024-08-06" });
  });

  it("with metrics off, answers are not read and nothing is recorded or asked for", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock, { ...METRICS_CONFIG, metrics: { enabled: false } });
    const row = USAGE_ROWS[2];
    const stream = run(host, clock, row);
    expect((json(stream.upstreamBodyText()) as { stream_options?: unknown }).stream_options).toEqual({ include_obfuscation: false });
    expect(stream.downstreamBodyText()).toBe(row.answer.chunks!.join(""));
    expect([...host.metrics.values()].filter((m) => !m.name.startsWith("llm_mesh_vm"))).toEqual([]);
    expect(stream.properties["llm_mesh.log"]).toBeUndefined();
  });

  it("sums cost across requests without losing fractions of a micro-unit", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    // 9 input x 2.5 + 2 output x 10 = 42.5 micro-EUR per request: 4 requests are 170.
    for (let i = 0; i < 4; i++) run(host, clock, USAGE_ROWS[1]);
    expect(only(host, "llm_mesh.cost.micros.total").value).toBe(170n);
    expect(only(host, "llm_mesh.requests.total").value).toBe(4n);
  });

  it("a label value cannot break the encoding: ';' in a principal is replaced", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    run(host, clock, USAGE_ROWS[0], false, { "connection.uri_san_peer_certificate": "spiffe://x/ns/a;.;llm_mesh_route=.=evil;.;" });
    expect(only(host, "llm_mesh.requests.total").labels).toMatchObject({ llm_mesh_route: "gpt", source_principal: "spiffe://x/ns/a_._llm_mesh_route=.=evil_._" });
  });

  it("an OpenAI stream that ends without its usage chunk still counts, estimated", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    run(host, clock, { ...USAGE_ROWS[2], answer: { chunks: [data({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta: { content: "12345678" }, finish_reason: "stop" }] }), data("[DONE]")] } });
    expect(only(host, "llm_mesh.requests.total").labels.llm_mesh_usage).toBe("estimated");
    expect(host.labelled("llm_mesh.tokens.total").find((m) => m.labels.gen_ai_token_type === "output")?.value).toBe(2n);
  });

  it("writes only labels the toolchain's tag rules extract, each rule matching exactly its label", async () => {
    const clock = new TestClock();
    // With a consumer configured, so that llm_mesh_consumer is written too, and a deny rule (llm_mesh_rule, llm_mesh_action).
    const routes = METRICS_CONFIG.routes.map((r, i) => (i === 0 ? { ...r, policy: { deny: [{ name: "no-secrets", contains: "SECRET-TOKEN" }] } } : r));
    // And an MCP route (mcp_method_name, gen_ai_tool_name, error_type, llm_mesh_mcp_server): a tools/call llm-mesh refuses.
    const mcp = { providers: [{ name: "tools", type: "mcp", host: "tools.example.com", basePath: "/mcp" }], routes: [{ name: "tools", match: { host: "tools.example.com" }, backends: [{ provider: "tools" }], mcp: { tools: ["read_*"] } }] };
    const host = await filterFor("body", clock, { ...METRICS_CONFIG, providers: [...METRICS_CONFIG.providers, ...mcp.providers], routes: [...routes, ...mcp.routes], consumers: [{ name: "someone", principals: ["spiffe://cluster.local/ns/x/sa/y"] }] });
    const refused = host.createStream({});
    refused.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "tools.example.com", ":scheme": "http", "content-type": "application/json" }, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "delete_all", arguments: {} } }));
    expect(refused.localResponse?.status).toBe(200);
    host.tick();
    for (const row of USAGE_ROWS) run(host, clock, row);
    const denied = host.createStream({});
    const first = USAGE_ROWS.find((row) => row.host === METRICS_CONFIG.routes[0].match.host)!;
    denied.sendRequest({ ":method": "POST", ":path": first.path, ":authority": first.host, ":scheme": "http", "content-type": "application/json" }, JSON.stringify({ ...first.request, messages: [{ role: "user", content: "SECRET-TOKEN" }] }));
    expect(denied.localResponse?.status).toBe(400);
    // A hosted tool dropped on a translated route (llm_mesh_tool).
    host.createStream({}).sendRequest({ ":method": "POST", ":path": "/v1/responses", ":authority": "gemini.llm", ":scheme": "http", "content-type": "application/json" }, JSON.stringify({ model: "gemini-2.5-flash", input: "x", tools: [{ type: "file_search" }] }));
    const seen = new Set([...host.metrics.values()].filter((m) => m.name.includes("=.=")).flatMap((m) => [...m.name.matchAll(/([a-z_]+)=\.=/g)].map((x) => x[1])));
    expect([...seen].sort()).toEqual([...METRIC_LABELS].sort());
    // Envoy applies each rule's regex to the full name (RE2 and JS agree on this subset).
    for (const rule of statsTags()) {
      const name = [...host.metrics.values()].find((m) => m.name.includes(`${rule.tag_name}=.=`))!.name;
      const match = new RegExp(rule.regex).exec(name);
      expect(match?.[1].startsWith(`${rule.tag_name}=.=`), rule.tag_name).toBe(true);
    }
  });

  it("docs/grafana/llm-mesh-dashboard.json is up to date (npx tsx src-host-tools/telemetry/write-dashboard.ts)", () => {
    expect(readFileSync(DASHBOARD_PATH, "utf8")).toBe(dashboardText());
  });

  it("asks for stream usage only when the request that goes upstream streams (provider overrides and defaults decide)", async () => {
    const clock = new TestClock();
    const withStream = (fields: Record<string, unknown>) => ({ ...METRICS_CONFIG, providers: METRICS_CONFIG.providers.map((p) => (p.name === "openai" ? { ...p, ...fields } : p)) });
    const cases: [Record<string, unknown>, Record<string, unknown>, unknown][] = [
      [{ overrides: { stream: false } }, { stream: true }, undefined],
      [{ overrides: { stream: true } }, {}, { include_usage: true }],
      [{ defaults: { stream: true } }, {}, { include_usage: true }],
      [{ defaults: { stream: true } }, { stream: false }, undefined],
      [{ injectStreamUsage: false }, { stream: true }, undefined],
    ];
    for (const [fields, request, expected] of cases) {
      const host = await filterFor("body", clock, withStream(fields));
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gpt.llm", ":scheme": "http" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], ...request }));
      expect((json(stream.upstreamBodyText()) as { stream_options?: unknown }).stream_options, JSON.stringify([fields, request])).toEqual(expected);
    }
  });

  it("finds the answer's own top-level usage wherever the answer is split, never a nested or quoted one", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    // Decoys: "usage" inside a string (escaped quotes), a nested usage object, arrays, numbers, a unicode escape.
    const answer = JSON.stringify({
      id: "chatcmpl-x", object: "chat.completion", created: 1, model: "gpt-4o",
      choices: [{ index: 0, message: { role: "assistant", content: 'he wrote "usage": {"prompt_tokens": 999} \\ \u00e9 [{]}' , tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"usage":{"prompt_tokens":998}}' } }] }, finish_reason: "stop", extra: { usage: { prompt_tokens: 997 } } }],
      system_fingerprint: null, usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 2 } },
    });
    const bytes = Buffer.from(answer);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gpt.llm", ":scheme": "http" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      stream.sendResponseBody(bytes.subarray(0, cut), false);
      stream.sendResponseBody(bytes.subarray(cut), true);
      stream.complete();
      const log = json(stream.properties["llm_mesh.log"]) as Record<string, unknown>;
      expect([log.input_tokens, log.output_tokens, log.response_model], `cut at ${cut}`).toEqual([7, 3, "gpt-4o"]);
    }
    expect(host.trap).toBeNull();
  });

  it("logs an answer's huge model name whole, and the next answer's own (the VM's log writer does not keep it)", async () => {
    const host = await filterFor("body", new TestClock());
    for (const model of ["m".repeat(100_000), "gpt-4o", "x\"y".repeat(3_000), "gpt-4o-mini"]) {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gpt.llm", ":scheme": "http" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      stream.sendResponseBody(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model, choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }), true);
      stream.complete();
      const log = json(stream.properties["llm_mesh.log"]) as Record<string, unknown>;
      expect([log.response_model, log.input_tokens, log.output_tokens], model.slice(0, 20)).toEqual([model, 5, 1]);
    }
    expect(host.trap).toBeNull();
  });

  it("asks for uncompressed answers (every answer is scanned for secrets), and passes a compressed one on unread", async () => {
    const clock = new TestClock();
    for (const [metrics, expected] of [[{}, undefined], [{ enabled: false }, undefined]] as const) {
      const host = await filterFor("body", clock, { ...METRICS_CONFIG, metrics });
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gpt.llm", ":scheme": "http", "accept-encoding": "gzip, br" }, JSON.stringify(USAGE_ROWS[0].request));
      expect(stream.requestHeader("accept-encoding"), JSON.stringify(metrics)).toBe(expected);
    }
    const host = await filterFor("body", clock);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gpt.llm", ":scheme": "http" }, JSON.stringify(USAGE_ROWS[0].request));
    const gzipped = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02]);
    stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-encoding": "gzip", "content-length": String(gzipped.length) });
    stream.sendResponseBody(gzipped, true);
    stream.complete();
    host.tick(); // the request's metrics reach Envoy on the tick
    expect(Buffer.from(stream.downstreamBody).equals(gzipped)).toBe(true);
    host.tick(); // the request's counts reach Envoy on the tick
    expect(only(host, "llm_mesh.requests.total").labels.llm_mesh_usage).toBe("none");
  });

  it("prices each request by its own model, also when unknown models share the label \"other\"", async () => {
    const clock = new TestClock();
    const config = { ...METRICS_CONFIG, providers: METRICS_CONFIG.providers.map((p) => (p.name === "openai" ? { ...p, prices: { "gpt-x1*": { input: 1, output: 1 }, "*": { input: 100, output: 100 } } } : p)) };
    const host = await filterFor("body", clock, config);
    // 1200 input and 80 output tokens each: 1,280 micro-units at 1, then 128,000 at 100.
    for (const model of ["gpt-x1-preview", "gpt-x2-preview"]) run(host, clock, { ...USAGE_ROWS[0], request: { ...USAGE_ROWS[0].request, model } });
    expect(only(host, "llm_mesh.cost.micros.total").labels.gen_ai_request_model).toBe("other");
    expect(only(host, "llm_mesh.cost.micros.total").value).toBe(1280n + 128000n);
  });

  it("a reloaded config's trust domain names the sidecar's workload", async () => {
    const clock = new TestClock();
    const host = asIstioNode(await filterFor("body", clock), "sidecar~10.1.2.3~checkout-7d4b9.shop~shop.svc.cluster.local", "shop", "checkout");
    run(host, clock, USAGE_ROWS[0]);
    expect(host.configure(JSON.stringify({ ...METRICS_CONFIG, metrics: { ...METRICS_CONFIG.metrics, trustDomain: "corp.example" } }))).toBe(true);
    run(host, clock, USAGE_ROWS[0]);
    expect(host.labelled("llm_mesh.requests.total").map((m) => m.labels.source_principal).sort()).toEqual(["spiffe://cluster.local/ns/shop/sa/checkout", "spiffe://corp.example/ns/shop/sa/checkout"]);
  });

  it("hands a request's metrics to Envoy on the tick, and before a reloaded config replaces the label sets", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    run(host, clock, USAGE_ROWS[0], false, {}, false);
    run(host, clock, USAGE_ROWS[0], false, {}, false);
    // Counted in the VM: Envoy sees nothing until the tick (docs/metrics.md: at most a second later).
    expect(host.labelled("llm_mesh.requests.total")).toEqual([]);
    host.tick();
    expect(only(host, "llm_mesh.requests.total").value).toBe(2n);
    expect(only(host, "gen_ai.client.operation.duration.ms").samples).toEqual([300n, 300n]);
    expect(only(host, "gen_ai.client.token.usage", { gen_ai_token_type: "input" }).samples).toHaveLength(2);
    // Counted since the tick, then a new config: nothing is lost.
    run(host, clock, USAGE_ROWS[0], false, {}, false);
    expect(host.configure(JSON.stringify({ ...METRICS_CONFIG, metrics: { currency: "USD" } }))).toBe(true);
    expect(only(host, "llm_mesh.requests.total").value).toBe(3n);
    expect(host.labelled("llm_mesh.cost.micros.total").map((m) => [m.labels.llm_mesh_currency, m.value])).toEqual([["EUR", 3n * 2520n]]);
    host.tick();
    expect(only(host, "llm_mesh.requests.total").value).toBe(3n);
  });

  it("a reloaded config with another currency records cost under the new currency", async () => {
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    run(host, clock, USAGE_ROWS[0]);
    expect(host.configure(JSON.stringify({ ...METRICS_CONFIG, metrics: { currency: "USD" } }))).toBe(true);
    run(host, clock, USAGE_ROWS[0]);
    expect(host.labelled("llm_mesh.cost.micros.total").map((m) => [m.labels.llm_mesh_currency, m.value]).sort()).toEqual([["EUR", 2520n], ["USD", 2520n]]);
  });
});

/** The answer in random pieces of 1 to 64 bytes, the last one ending the stream. */
function sendInPieces(stream: HttpStream, bytes: Buffer, random: () => number): void {
  if (bytes.length === 0) stream.sendResponseBody("", true);
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(random() * 64);
    stream.sendResponseBody(bytes.subarray(at, at + n), at + n >= bytes.length);
    at += n;
  }
}

/** The event llm-mesh ends a broken-off stream with, in any client format, at the end of the body. */
const STREAM_ERROR_EVENT = /(event: error\n)?data: \{[^\n]*"(stream_interrupted|api_error)"[^\n]*\}\n\n$/;

describe("meters under random answers", () => {
  const NOISE = ['"', "\\", "{", "}", "[", "]", ":", ",", "\n", "\r", "\n\n", "data: ", "event: ", "[DONE]", "null", '"usage":', '"usage":{', '"model":', "1e999", "-1", "\u0000", "é"];

  it("2,000 mutated pass-through answers and streams, in random pieces: never a trap, the client's bytes untouched", async () => {
    const random = rng(12);
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    // Untranslated rows whose client asked for what it gets (no chunk is cut): the meter only reads.
    const rows = USAGE_ROWS.filter((r) => !["gemini.llm", "bedrock.llm"].includes(r.host) && !(r.path.endsWith("/chat/completions") && r.host === "claude.llm")
      && !(r.path.endsWith("/messages") && r.host === "gpt.llm") && r.upstreamStreamOptions === undefined && r.host !== "mistral.llm");
    expect(rows.length).toBeGreaterThan(4);
    for (let i = 0; i < 2000; i++) {
      const row = rows[i % rows.length];
      const { bytes, contentType } = answerBytes(row.answer);
      const text = mutate(bytes.toString("utf8"), random, NOISE, 4);
      const mutated = Buffer.from(text);
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", ...(row.headers ?? {}) }, JSON.stringify(row.request));
      stream.sendResponseHeaders({ ":status": "200", "content-type": contentType });
      sendInPieces(stream, mutated, random);
      stream.complete();
      expect(host.trap, `${row.name}: ${text.slice(0, 200)}`).toBeNull();
      // The provider's bytes, and after a stream that broke off, one error event in the client's format.
      const got = Buffer.from(stream.downstreamBody);
      expect(got.subarray(0, mutated.length).equals(mutated), row.name).toBe(true);
      const added = got.subarray(mutated.length).toString("utf8");
      if (added.length > 0) {
        expect(contentType, row.name).toBe("text/event-stream");
        expect(added, row.name).toMatch(STREAM_ERROR_EVENT);
      }
    }
    host.tick();
    expect(host.labelled("llm_mesh.requests.total").reduce((n, m) => n + m.value, 0n)).toBe(2000n);
  });

  it("1,000 mutated streams whose usage chunk llm-mesh cuts, in random pieces: never a trap, nothing added", async () => {
    const random = rng(13);
    const clock = new TestClock();
    const host = await filterFor("body", clock);
    const row = USAGE_ROWS.find((r) => r.clientBody !== undefined && JSON.stringify(r.upstreamStreamOptions).includes("include_obfuscation"))!;
    for (let i = 0; i < 1000; i++) {
      const mutated = Buffer.from(mutate(row.answer.chunks!.join(""), random, NOISE, 4));
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json" }, JSON.stringify(row.request));
      stream.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
      sendInPieces(stream, mutated, random);
      stream.complete();
      expect(host.trap).toBeNull();
      // What the client gets is the provider's bytes with at most one event taken out (and an error event added when the stream broke off).
      const got = Buffer.from(stream.downstreamBody).toString("utf8");
      const broken = STREAM_ERROR_EVENT.exec(got);
      // The error event starts on a line of its own: one or two line ends before it close a cut line.
      const kept = broken ? got.slice(0, broken.index).replace(/\n{1,2}$/, "") : got;
      expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(mutated.length);
    }
  });
});

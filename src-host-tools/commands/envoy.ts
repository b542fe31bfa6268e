// `llm-mesh envoy`: run real Envoy locally with the filter and a plugin config. Providers whose
// keys are all in the environment are called for real over TLS; the others (or all, with --mock)
// are served by local mock providers, so it works offline. `npm start` runs this on the example.
import { tmpdir } from "node:os";
import { request } from "node:http";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { bootstrapYaml } from "../envoy/bootstrap.js";
import { locateEnvoy, PROJECT_ROOT } from "../envoy/locate.js";
import { startEnvoy } from "../envoy/process.js";
import { startMockProviders } from "../mock/providers.js";
import { formatProblem, validateConfigText } from "../config/validate.js";
import { readUserFile, UserError } from "../errors.js";
import { providerKeyEnvNames } from "../config/keys.js";
import type { LlmMeshConfig, RouteConfig } from "../config/schema.js";
import { PROVIDER_TYPES } from "../providers.js";

export interface EnvoyCommandOptions {
  cwd: string; config?: string; port?: number; mock?: boolean; once?: boolean; log?: (line: string) => void;
  /** How the user changes the port, for the busy-port message. */
  portFlag?: string;
}

/** Fails clearly when 127.0.0.1:port is taken (another demo, most likely): Envoy would not say. */
async function ensurePortFree(port: number, flag: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolveListen) => {
    server.once("error", (e: NodeJS.ErrnoException) => resolveListen(e));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveListen(undefined)));
  });
  if (error?.code === "EADDRINUSE") {
    throw new UserError(`port ${port} on 127.0.0.1 is already in use (another npm start or llm-mesh envoy?); stop that one, or pick another port with ${flag}`);
  }
  if (error) throw new UserError(`cannot listen on 127.0.0.1:${port}: ${error.message}; pick another port with ${flag}`);
}

interface Sample { route: string; host: string; path: string; headers: Record<string, string>; body: Record<string, unknown> }

/** One request that the route (and no earlier one) should take, or undefined if none can be made. */
function sampleFor(route: RouteConfig, config: LlmMeshConfig): Sample | undefined {
  const m = route.match ?? {};
  if (m.routeName) return undefined; // set by Envoy's route table, not by a client
  const host = m.host ? m.host.replace(/^\*\./, "sample.") : `${route.name}.llm.local`;
  const server = config.providers.find((p) => p.name === route.backends[0]?.provider);
  if (server?.type === "mcp") {
    // An MCP route: the tools this caller may see (llm-mesh filters the server's list).
    return { route: route.name, host, path: m.pathPrefix ?? server.basePath ?? "/mcp", headers: { accept: "application/json, text/event-stream" }, body: { jsonrpc: "2.0", id: 1, method: "tools/list" } };
  }
  const path = `${(m.pathPrefix ?? "/").replace(/\/$/, "")}/v1/chat/completions`;
  const headers: Record<string, string> = {};
  for (const h of m.headers ?? []) {
    if (h.exact !== undefined) headers[h.name] = h.exact;
    else if (h.prefix !== undefined) headers[h.name] = `${h.prefix}sample`;
    else if (h.present) headers[h.name] = "1";
  }
  const needsModel = route.backends.some((b) => {
    const p = config.providers.find((x) => x.name === b.provider);
    return !b.model && !p?.defaults?.model && !p?.overrides?.model;
  });
  return { route: route.name, host, path, headers, body: { ...(needsModel ? { model: "gpt-4" } : {}), messages: [{ role: "user", content: "Say hello" }] } };
}

/** An Anthropic Messages request for the first sampled route with no header condition whose providers speak OpenAI's API. */
function messagesSample(samples: Sample[], config: LlmMeshConfig): Sample | undefined {
  const openAIShaped = (s: Sample) => {
    const route = config.routes.find((r) => r.name === s.route);
    return route?.backends.every((b) => PROVIDER_TYPES[config.providers.find((p) => p.name === b.provider)?.type ?? ""]?.api === "openai");
  };
  const base = samples.find((s) => Object.keys(s.headers).length === 0 && openAIShaped(s));
  if (!base) return undefined;
  return { ...base, path: base.path.replace(/chat\/completions$/, "messages"), headers: { "anthropic-version": "2023-06-01" }, body: { ...base.body, max_tokens: 256 } };
}

function post(base: string, s: Sample): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const url = new URL(base);
  const body = JSON.stringify(s.body);
  return new Promise((resolvePost, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: s.path, method: "POST",
      headers: { host: s.host, "content-type": "application/json", "content-length": Buffer.byteLength(body), ...s.headers } }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolvePost({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export async function envoyCommand(options: EnvoyCommandOptions): Promise<void> {
  const log = options.log ?? console.log;
  const configPath = resolve(options.cwd, options.config ?? join(PROJECT_ROOT, "envoy", "plugin-config.json"));
  const checked = validateConfigText(await readUserFile(configPath, "config file"));
  if (checked.errors.length > 0) throw new UserError(`${configPath} is invalid:\n${checked.errors.map((e) => `  ${formatProblem(e)}`).join("\n")}\nfix it (llm-mesh validate) and run again`);
  const config = checked.config!;
  const envNames = providerKeyEnvNames;
  const live = options.mock ? [] : config.providers.filter((p) => envNames(p).length > 0 && envNames(p).every((n) => (process.env[n] ?? "") !== ""));
  const mocked = config.providers.filter((p) => !live.includes(p));
  const wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm");

  const envoyBinary = locateEnvoy();
  await ensurePortFree(options.port ?? 10000, options.portFlag ?? "--port N");
  const mock = await startMockProviders(mocked);
  const demoKeys = Object.fromEntries(mocked.flatMap((p) => envNames(p).map((n) => [n, `mock-key-for-${p.name}`])));
  // One JSON line per request: route, backend, models, tokens, time to first token.
  const accessLogPath = join(tmpdir(), `llm-mesh-access-${process.pid}.log`);
  let envoy;
  try {
    envoy = await startEnvoy({
      fileFlushIntervalMs: 500,
      envoyPath: envoyBinary.path,
      config: bootstrapYaml({
        wasmPath, pluginConfig: config, listenPort: options.port ?? 10000,
        env: { values: demoKeys, fromHost: live.flatMap(envNames) },
        mockUpstream: { address: "127.0.0.1", port: mock.port },
        mockedProviders: mocked.map((p) => p.name),
        accessLogPath,
      }),
    });
  } catch (error) {
    await mock.close();
    throw new UserError(`Envoy did not start: ${(error as Error).message}`);
  }
  const samples = config.routes.map((r) => sampleFor(r, config)).filter((s): s is Sample => s !== undefined);
  const messages = messagesSample(samples, config);
  if (messages) samples.push(messages);
  log(`llm-mesh: Envoy ${envoyBinary.version} (pid ${envoy.pid}) with the llm-mesh filter on ${envoy.url} (config ${configPath})`);
  log(`  real providers (keys found in the environment): ${live.map((p) => p.name).join(", ") || "none"}`);
  log(`  local mock providers: ${mocked.map((p) => p.name).join(", ") || "none"}`);
  log("\nTry:");
  for (const s of samples) {
    const flags = Object.entries(s.headers).map(([k, v]) => ` -H '${k}: ${v}'`).join("");
    const what = s.path.endsWith("/messages") ? `the Anthropic Messages API on route ${s.route} (translated to its provider's API and back)` : `route ${s.route}`;
    log(`  # ${what}\n  curl -si ${envoy.url}${s.path} -H 'host: ${s.host}'${flags} -d '${JSON.stringify(s.body)}'\n`);
  }
  log(`  # token usage, latency and cost (OpenTelemetry GenAI names) as Prometheus scrapes them\n  curl -s ${envoy.adminUrl}/stats/prometheus | grep -E '^(gen_ai|llm_mesh|mcp)_'\n`);
  log(`  # the access log: one JSON line per request\n  tail -f ${accessLogPath}\n`);
  const listed = samples.find((s) => !Object.keys(s.headers).length);
  if (listed) log(`  # the models route ${listed.route} serves (OpenAI's list format)\n  curl -s ${envoy.url}/v1/models -H 'host: ${listed.host}'\n`);
  const shutdown = async () => { await envoy.stop(); await mock.close(); };
  if (options.once) {
    try {
      for (const s of samples) {
        const reply = await post(envoy.url, s);
        const model = reply.headers["x-llm-mesh-model"] !== undefined ? ` model=${reply.headers["x-llm-mesh-model"]}` : "";
        log(`route ${s.route}: HTTP ${reply.status} provider=${reply.headers["x-llm-mesh-provider"]}${model}\n  ${reply.text.slice(0, 240)}`);
      }
    } finally {
      await shutdown();
    }
    return;
  }
  log("Ctrl-C to stop.");
  // Envoy is our child: stop it (and the mocks) on every way a terminal or a supervisor ends us.
  await new Promise<void>((resolveWait) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => { void shutdown().then(() => resolveWait()); });
  });
  log("llm-mesh: stopped Envoy and the mock providers.");
}

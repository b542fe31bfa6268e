// `npm start`: the local demo. Builds (via the npm script), finds or installs Envoy, starts it on
// 127.0.0.1:10000 with envoy/plugin-config.json, and serves each provider from a local mock unless
// its real key is in the environment (then requests go to the real provider over TLS).
import { parseArgs } from "node:util";
import { bootstrapYaml } from "./envoy/bootstrap.js";
import { examplePluginConfig } from "./envoy/example.js";
import { locateEnvoy, PROJECT_ROOT } from "./envoy/locate.js";
import { startEnvoy } from "./envoy/process.js";
import { join } from "node:path";
import { startMockProviders } from "./mock/providers.js";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "10000" },
    once: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log("usage: npm start [-- --port N] [-- --once]\n  --port N  listen on 127.0.0.1:N (default 10000; 0 picks a free port)\n  --once    send the sample requests, print the answers and exit");
  process.exit(0);
}

const pluginConfig = examplePluginConfig();
const providers = pluginConfig.providers as { name: string; type: string; apiKeys?: { env?: string }[] }[];
const envName = (p: (typeof providers)[number]) => p.apiKeys?.find((k) => k.env)?.env;
const live = providers.filter((p) => { const n = envName(p); return n !== undefined && (process.env[n] ?? "") !== ""; });
const mocked = providers.filter((p) => !live.includes(p));

const envoyBinary = locateEnvoy();
const mock = await startMockProviders(mocked);
const demoKeys = Object.fromEntries(mocked.map((p) => [envName(p)!, `demo-key-for-${p.name}`]).filter(([n]) => n !== undefined));
const envoy = await startEnvoy({
  envoyPath: envoyBinary.path,
  config: bootstrapYaml({
    wasmPath: join(PROJECT_ROOT, "build", "llm-mesh.wasm"),
    pluginConfig,
    listenPort: Number(args.port),
    env: { values: demoKeys, fromHost: live.map((p) => envName(p)!) },
    mockUpstream: { address: "127.0.0.1", port: mock.port },
    mockedProviders: mocked.map((p) => p.name),
  }),
});

const base = envoy.url;
console.log(`llm-mesh demo: Envoy ${envoyBinary.version} with the llm-mesh filter on ${base}`);
console.log(`  real providers (key found in the environment): ${live.map((p) => p.name).join(", ") || "none"}`);
console.log(`  local mock providers on 127.0.0.1:${mock.port}: ${mocked.map((p) => p.name).join(", ") || "none"}`);
const samples = [
  { title: "70/30 split between OpenAI and DeepSeek", host: "llm.local", headers: {} as Record<string, string>, body: { messages: [{ role: "user", content: "Say hello" }] } },
  { title: "ASM example: subscriber gets qwen-turbo", host: "dashscope.aliyuncs.com", headers: { "user-type": "subscriber" }, body: { messages: [{ role: "user", content: "Who are you?" }] } },
  { title: "model mapping gpt-4 -> gpt-4o, client key replaced", host: "api.example", headers: { authorization: "Bearer the-app-never-needs-a-key" }, body: { model: "gpt-4", messages: [{ role: "user", content: "hi" }] } },
];
console.log("\nTry:");
for (const s of samples) {
  const headerFlags = Object.entries(s.headers).map(([k, v]) => ` -H '${k}: ${v}'`).join("");
  console.log(`  # ${s.title}\n  curl -si ${base}/v1/chat/completions -H 'host: ${s.host}'${headerFlags} -d '${JSON.stringify(s.body)}'\n`);
}

const shutdown = async () => { await envoy.stop(); await mock.close(); };
if (args.once) {
  const { request } = await import("node:http");
  for (const s of samples) {
    const body = JSON.stringify(s.body);
    const url = new URL(base);
    const reply = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: "/v1/chat/completions", method: "POST",
        headers: { host: s.host, "content-type": "application/json", "content-length": Buffer.byteLength(body), ...s.headers } }, (res) => {
        let text = "";
        res.on("data", (d) => { text += d; });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on("error", reject);
      req.end(body);
    });
    console.log(`${s.title}: HTTP ${reply.status} provider=${reply.headers["x-llm-mesh-provider"]} model=${reply.headers["x-llm-mesh-model"]}\n  ${reply.text.slice(0, 300)}`);
  }
  await shutdown();
} else {
  console.log("Ctrl-C to stop.");
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => { void shutdown().then(() => process.exit(0)); });
}

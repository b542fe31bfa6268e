// Two providers that fail on demand (fault-provider.ts), a strict Anthropic mock, and real Envoy
// with failover routes between them: the stack the failover tests and the failover load test share.
import { Agent } from "node:http";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { Reply, send } from "./envoy.js";
import { WASM_PATH } from "./filter.js";
import { Fault, FaultProvider } from "./fault-provider.js";

export const ALPHA_KEYS = ["alpha-key-1", "alpha-key-2"];
export const BETA_KEYS = ["beta-key-1"];
export const EJECTION = { consecutiveFailures: 3, baseMs: 5000, maxMs: 30000, intervalMs: 100 };

function pluginConfig(failover: Record<string, unknown>) {
  return {
    providers: [
      { name: "alpha", type: "openai-compatible", host: "alpha.test", apiKeys: ALPHA_KEYS.map((value) => ({ value })) },
      { name: "beta", type: "openai-compatible", host: "beta.test", apiKeys: BETA_KEYS.map((value) => ({ value })) },
      { name: "claude", type: "anthropic", apiKeys: [{ value: "claude-key" }] },
    ],
    routes: [
      { name: "chat", match: { host: "llm.local" }, backends: [{ provider: "alpha", model: "alpha-model" }, { provider: "beta", model: "beta-model" }], failover },
      // Another API behind the same route: a try that reaches it is translated.
      { name: "mixed", match: { host: "mixed.local" }, backends: [{ provider: "alpha", model: "alpha-model" }, { provider: "claude", model: "claude-sonnet-4-5" }], failover },
      // No failover: what a client of a plain route gets when its provider fails (Envoy's own answers, shaped).
      { name: "plain", match: { host: "plain.local" }, backends: [{ provider: "alpha", model: "alpha-model" }], timeouts: { requestMs: 1000, streamIdleMs: 60_000 } },
      // Envoy's defaults but for llm-mesh's: a stream of minutes is not cut at 15 s.
      { name: "long", match: { host: "long.local" }, backends: [{ provider: "beta", model: "beta-model" }] },
      // Both backends answering: weights hold in the pool.
      { name: "weighted", match: { host: "weighted.local" }, backends: [{ provider: "alpha", model: "alpha-model", weight: 1 }, { provider: "beta", model: "beta-model", weight: 3 }], failover },
      // Request policy on a failover route: the template and system prompt are applied once, downstream; each try extracts its answer's text.
      { name: "shaped", match: { host: "shaped.local" }, backends: [{ provider: "alpha", model: "alpha-model" }, { provider: "claude", model: "claude-sonnet-4-5" }], failover,
        policy: { template: { model: "any", messages: [{ role: "user", content: "{{ body.prompt }}" }] }, prepend: [{ role: "system", content: "Answer in one word." }], extract: "choices[0].message.content" } },
      // One backend only: what a client gets when the answer breaks after it started.
      { name: "solo", match: { host: "solo.local" }, backends: [{ provider: "alpha", model: "alpha-model" }], failover },
    ],
  };
}

export const DEFAULT_FAILOVER = { attempts: 3, perTryIdleTimeoutMs: 500, ejection: EJECTION };

export interface Stack { envoy: RunningEnvoy; alpha: FaultProvider; beta: FaultProvider; mock: MockProviders }
const running: Stack[] = [];
/** Stops every stack started so far (call from afterEach). */
export async function stopStacks(): Promise<void> {
  for (const s of running.splice(0)) { await s.envoy.stop(); await s.alpha.close(); await s.beta.close(); await s.mock.close(); }
}

export async function stack(alphaFault: Fault, betaFault: Fault, failover: Record<string, unknown> = DEFAULT_FAILOVER): Promise<Stack> {
  const alpha = new FaultProvider("alpha", ALPHA_KEYS);
  const beta = new FaultProvider("beta", BETA_KEYS);
  alpha.fault = alphaFault;
  beta.fault = betaFault;
  const [alphaPort, betaPort] = [await alpha.start(), await beta.start()];
  // Anthropic's Messages API, as strict as the real one (src-host-tools/mock).
  const mock = await startMockProviders([{ name: "claude", type: "anthropic", acceptedKeys: ["claude-key"] }]);
  const config = bootstrapYaml({
    wasmPath: WASM_PATH, pluginConfig: pluginConfig(failover),
    providerUpstreams: { alpha: { address: "127.0.0.1", port: alphaPort }, beta: { address: "127.0.0.1", port: betaPort }, claude: { address: "127.0.0.1", port: mock.port } },
  });
  const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config, concurrency: Number(process.env.ENVOY_CONCURRENCY ?? 2) });
  const s = { envoy, alpha, beta, mock };
  running.push(s);
  return s;
}

export const chatBody = (stream = false) => JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }], ...(stream ? { stream: true } : {}) });
export const chat = (s: Stack, options: { host?: string; stream?: boolean; agent?: Agent } = {}) =>
  send(s.envoy.url, { host: options.host ?? "llm.local", body: chatBody(options.stream), agent: options.agent });

export async function sequential(s: Stack, count: number, stream = false): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < count; i++) replies.push(await chat(s, { stream }));
  return replies;
}

/** Envoy's counters for the route's pool (outlier detection and retries), from its admin API. */
export async function poolStats(s: Stack, route = "chat"): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.envoy.adminUrl}/stats?filter=llm-mesh-failover`)).text();
  const out: Record<string, number> = {};
  const prefix = `cluster.llm-mesh-failover|${route}.`;
  for (const line of text.split("\n")) {
    const m = /^(\S+): (\d+)$/.exec(line);
    if (m && m[1].startsWith(prefix)) out[m[1].slice(prefix.length)] = Number(m[2]);
  }
  return out;
}


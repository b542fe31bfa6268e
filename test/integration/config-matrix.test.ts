// No config that validates may crash Envoy. Real Envoy starts on the combinations of features a
// user can write (every provider type always; failover, consumers, local and global quotas,
// metrics, request policy, token callouts, both request modes, so the upstream role too) in a
// pairwise covering array, as `llm-mesh envoy` writes it (all static) and serves a request on every
// route; then with listeners and clusters in watched files (as xDS delivers them) it starts, serves,
// reloads to the next combination and serves again.
// Found this way: a vertex-ai provider with a metadata-server token beside any failover route
// made Envoy 1.40 segfault at start (the upstream VM's token callout ran while clusters loaded).
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig, formatProblem } from "../../src-host-tools/config/validate.js";
import { BootstrapOptions, bootstrapYaml, buildBootstrap } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { MockMetadataServer, startMockMetadataServer } from "../../src-host-tools/mock/metadata.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { send as sendOn } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { Combination, FEATURES, alice, label, pairwise, pluginConfig } from "../support/feature-matrix.js";

/** A port nobody listens on (the global quota's rate limit service is down: Envoy fails open). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

interface Updates { cds: number; warmingClusters: number; lds: number; warmingListeners: number }

/** Envoy with listeners and clusters in files it watches: writing a new pair reloads them, as xDS would. */
class ReloadableEnvoy {
  private dir = mkdtempSync(join(tmpdir(), "llm-mesh-matrix-"));
  envoy!: RunningEnvoy;
  constructor(private options: (c: Combination) => BootstrapOptions, private listenPort: number) {}

  private parts(c: Combination) {
    const bootstrap = buildBootstrap({ ...this.options(c), listenPort: this.listenPort }) as { static_resources: { listeners: unknown[]; clusters: unknown[] } } & Record<string, unknown>;
    const { listeners, clusters } = bootstrap.static_resources;
    delete (bootstrap as Record<string, unknown>).static_resources;
    return { bootstrap, listeners, clusters };
  }

  /** Writes the resources atomically (Envoy reloads on the rename). */
  private write(name: string, type: string, resources: unknown[]): string {
    const path = join(this.dir, `${name}.yaml`);
    writeFileSync(`${path}.tmp`, stringify({ resources: resources.map((r) => ({ "@type": `type.googleapis.com/envoy.config.${type}`, ...(r as object) })) }));
    renameSync(`${path}.tmp`, path);
    return path;
  }

  async start(c: Combination): Promise<void> {
    const { bootstrap, listeners, clusters } = this.parts(c);
    const cds = this.write("cds", "cluster.v3.Cluster", clusters);
    const lds = this.write("lds", "listener.v3.Listener", listeners);
    const source = (path: string) => ({ path_config_source: { path }, resource_api_version: "V3" });
    const config = stringify({ ...bootstrap, node: { id: "matrix", cluster: "matrix" }, dynamic_resources: { cds_config: source(cds), lds_config: source(lds) } }, { lineWidth: 0 });
    this.envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config, concurrency: 2 });
  }

  /** Replaces clusters, then listeners, with `c`'s; resolves when Envoy reports both updates. */
  async reload(c: Combination): Promise<void> {
    const before = await this.updates();
    const { clusters, listeners } = this.parts(c);
    // Clusters first, as xDS orders them: a listener naming a cluster Envoy lacks is refused.
    this.write("cds", "cluster.v3.Cluster", clusters);
    await this.until((now) => now.cds > before.cds && now.warmingClusters === 0, before);
    this.write("lds", "listener.v3.Listener", listeners);
    // Taken, and the new listener warmed (its VMs configured): new connections get it.
    await this.until((now) => now.lds > before.lds && now.warmingListeners === 0, before);
  }

  private async until(done: (now: Updates) => boolean, before: Updates): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (done(await this.updates())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Envoy did not take the reload (${JSON.stringify(before)})\n${this.envoy.logs().slice(-3000)}`);
  }

  private async updates(): Promise<Updates> {
    const stats = await (await fetch(`${this.envoy.adminUrl}/stats?filter=^(cluster_manager.cds.update_success|cluster_manager.warming_clusters|listener_manager.lds.update_success|listener_manager.total_listeners_warming)$`)).text();
    const value = (name: string) => Number(/: (\d+)/.exec(stats.split("\n").find((l) => l.startsWith(name)) ?? "")?.[1] ?? 0);
    return {
      cds: value("cluster_manager.cds.update_success"), warmingClusters: value("cluster_manager.warming_clusters"),
      lds: value("listener_manager.lds.update_success"), warmingListeners: value("listener_manager.total_listeners_warming"),
    };
  }

  async stop(): Promise<void> {
    await this.envoy?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One request per route of `c`; every one answered by its provider (the mock checks each API). */
async function servesEveryRoute(envoy: RunningEnvoy, c: Combination): Promise<void> {
  const config = pluginConfig(c);
  // New connections: an old one stays with the listener it was accepted by until that drains.
  const agent = new Agent({ keepAlive: true });
  const send = (url: string, options: Parameters<typeof sendOn>[1]) => sendOn(url, { ...options, agent });
  for (const route of config.routes as { name: string; requireConsumer?: boolean }[]) {
    const headers: Record<string, string> = route.requireConsumer || c.localQuota || c.globalQuota ? { authorization: `Bearer ${alice.key}` } : {};
    const body = JSON.stringify({ model: "gpt-4o-mini", max_tokens: 16, messages: [{ role: "user", content: "call 555-1234" }] });
    let reply = await send(envoy.url, { host: `${route.name}.llm`, body, headers });
    // The metadata token arrives on the first tick after a (re)configuration: ask again shortly.
    for (let i = 0; i < 20 && reply.status === 503 && /access token/.test(reply.body); i++) {
      await new Promise((r) => setTimeout(r, 100));
      reply = await send(envoy.url, { host: `${route.name}.llm`, body, headers });
    }
    expect(reply.status, `${label(c)}: route ${route.name}: ${reply.body}`).toBe(200);
  }
  if (c.policy) {
    const denied = await send(envoy.url, { host: "openai.llm", headers: { authorization: `Bearer ${alice.key}` }, body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "a forbidden phrase" }] }) });
    expect(denied.status, label(c)).toBe(400);
  }
  if (c.consumers) expect((await send(envoy.url, { host: "openai.llm", body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }) })).status, label(c)).toBe(401);
  agent.destroy();
}

const COMBINATIONS = pairwise();

describe("every combination of features starts, serves and reloads in real Envoy", () => {
  let mock: MockProviders;
  let metadata: MockMetadataServer;
  let rateLimitPort: number;
  beforeAll(async () => {
    const config = pluginConfig(COMBINATIONS[0]);
    mock = await startMockProviders(config.providers.map((p) => ({ ...p })) as never);
    metadata = await startMockMetadataServer("ya29.matrix-token");
    rateLimitPort = await freePort();
  });
  afterAll(async () => { await mock?.close(); await metadata?.close(); });

  it("the array covers every pair of features both ways", () => {
    for (const a of FEATURES) for (const b of FEATURES) {
      if (a === b) continue;
      for (const [x, y] of [[false, false], [false, true], [true, false], [true, true]]) {
        expect(COMBINATIONS.some((c) => c[a] === x && c[b] === y), `${a}=${x} ${b}=${y}`).toBe(true);
      }
    }
  });

  it.each(COMBINATIONS.map((c, i) => ({ name: label(c), c, next: COMBINATIONS[(i + 1) % COMBINATIONS.length] })))("$name", async ({ c, next }) => {
    for (const combination of [c, next]) expect(validateConfig(pluginConfig(combination)).errors.map(formatProblem), label(combination)).toEqual([]);
    // As `llm-mesh envoy` writes it: everything static (Envoy configures the pools' upstream VMs while it loads clusters).
    const options = (combination: Combination) => ({
      wasmPath: WASM_PATH, pluginConfig: pluginConfig(combination), env: { values: BEDROCK_ENV },
      mockUpstream: { address: "127.0.0.1", port: mock.port }, metadataServer: { address: "127.0.0.1", port: metadata.port },
      ...(combination.globalQuota ? { globalRateLimit: { address: "127.0.0.1", port: rateLimitPort } } : {}),
    });
    const fixed = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml(options(c)), concurrency: 2 });
    try {
      await servesEveryRoute(fixed, c);
      expect(fixed.logs()).not.toMatch(/Caught Segmentation fault|Uncaught RuntimeError|configuration rejected/);
    } finally {
      await fixed.stop();
    }
    // As xDS delivers it: listeners and clusters replaced while Envoy runs.
    const envoy = new ReloadableEnvoy(options, await freePort());
    try {
      await envoy.start(c);
      await servesEveryRoute(envoy.envoy, c);
      await envoy.reload(next);
      await servesEveryRoute(envoy.envoy, next);
      expect(envoy.envoy.logs()).not.toMatch(/Caught Segmentation fault|Uncaught RuntimeError|configuration rejected/);
    } finally {
      await envoy.stop();
    }
  }, 90_000);
});

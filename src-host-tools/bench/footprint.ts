// The idle footprint (issue 25): what a mesh pays per proxy before any traffic. The example config's
// listener and routes (envoy/plugin-config.json) run with no Wasm filter (bare), with the empty
// AssemblyScript module (empty) and with llm-mesh, at --concurrency 2 and 8. For each, Envoy is
// started a few times; each start gives the time until it is ready with the filter configured in
// every worker, and its RSS after a short settle. The medians are compared.
import { buildBootstrap, BootstrapOptions } from "../envoy/bootstrap.js";
import { examplePluginConfig } from "../envoy/example.js";
import { RunningEnvoy, startEnvoy } from "../envoy/process.js";
import { keyEnvNames } from "../config/keys.js";
import type { LlmMeshConfig } from "../config/schema.js";
import { stringify } from "yaml";
import { rssBytes } from "./proc.js";
import { median } from "./stats.js";

export type FootprintVariant = "bare" | "empty" | "llm-mesh";
export const FOOTPRINT_VARIANTS: FootprintVariant[] = ["bare", "empty", "llm-mesh"];
export const FOOTPRINT_CONCURRENCIES = [2, 8];

/**
 * Envoy's allocator at that moment (its admin /memory): what the heap holds from the system, what is
 * in use, and what it has handed back (unmapped). The rest of the RSS is outside the heap: code,
 * every VM's linear memory, V8's own mappings.
 */
export interface AllocatorFigures { heapBytes: number; allocatedBytes: number; unmappedBytes: number }
/** One start of Envoy. */
export interface FootprintStart { readyMillis: number; rssBytes: number; allocator?: AllocatorFigures }
/** One variant at one --concurrency: the medians of its starts, and the starts. */
export interface FootprintCell { variant: FootprintVariant; concurrency: number; readyMillis: number; rssBytes: number; allocator?: AllocatorFigures; starts: FootprintStart[] }
export interface FootprintReport {
  cells: FootprintCell[];
  /** How long after ready the RSS is read. */
  settleMillis: number;
}

/** Targets (issue 25): llm-mesh's RSS above the empty module's, and its time to ready beside the empty module's. */
export const FOOTPRINT_TARGETS = { rssAboveEmptyBytes: 4 << 20, readyAboveEmptyMillis: 50 };

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const mib = (n: number) => fmt(n / 1048576, 1);

/** The medians of each variant's starts at each concurrency. */
export function footprintCells(starts: { variant: FootprintVariant; concurrency: number; start: FootprintStart }[]): FootprintCell[] {
  const cells: FootprintCell[] = [];
  for (const concurrency of [...new Set(starts.map((s) => s.concurrency))]) {
    for (const variant of FOOTPRINT_VARIANTS) {
      const mine = starts.filter((s) => s.variant === variant && s.concurrency === concurrency).map((s) => s.start);
      if (mine.length === 0) continue;
      const rssBytes = median(mine.map((s) => s.rssBytes));
      // The allocator's figures of the start whose RSS is the median: split against another start's RSS, they would not add up.
      const allocator = mine.find((s) => s.rssBytes === rssBytes)?.allocator;
      cells.push({ variant, concurrency, readyMillis: median(mine.map((s) => s.readyMillis)), rssBytes, ...(allocator ? { allocator } : {}), starts: mine });
    }
  }
  return cells;
}

function cell(r: FootprintReport, variant: FootprintVariant, concurrency: number): FootprintCell | undefined {
  return r.cells.find((c) => c.variant === variant && c.concurrency === concurrency);
}

/** llm-mesh minus the empty module at one concurrency (NaN where either is missing). */
export function aboveEmpty(r: FootprintReport, concurrency: number): { rssBytes: number; readyMillis: number } {
  const mesh = cell(r, "llm-mesh", concurrency);
  const empty = cell(r, "empty", concurrency);
  return { rssBytes: (mesh?.rssBytes ?? NaN) - (empty?.rssBytes ?? NaN), readyMillis: (mesh?.readyMillis ?? NaN) - (empty?.readyMillis ?? NaN) };
}

export function footprintTable(r: FootprintReport): string {
  const concurrencies = [...new Set(r.cells.map((c) => c.concurrency))];
  const starts = Math.max(0, ...r.cells.map((c) => c.starts.length));
  const lines = [
    `idle footprint: the example config's listener and routes, no traffic; median of ${starts} start${starts === 1 ? "" : "s"}, RSS read ${fmt(r.settleMillis)} ms after ready`,
    "(ready: Envoy's /ready, every worker's Wasm VM created, llm-mesh's configuration loaded in each, a first request answered)",
    "workers   RSS MiB bare / empty / llm-mesh   llm-mesh - empty   ready ms bare / empty / llm-mesh   llm-mesh - empty",
  ];
  for (const n of concurrencies) {
    const [b, e, m] = FOOTPRINT_VARIANTS.map((v) => cell(r, v, n));
    const d = aboveEmpty(r, n);
    lines.push(`${String(n).padStart(7)}   ${`${mib(b?.rssBytes ?? NaN)} / ${mib(e?.rssBytes ?? NaN)} / ${mib(m?.rssBytes ?? NaN)}`.padEnd(31)} ${`${mib(d.rssBytes)} MiB`.padStart(16)}   ` +
      `${`${fmt(b?.readyMillis ?? NaN)} / ${fmt(e?.readyMillis ?? NaN)} / ${fmt(m?.readyMillis ?? NaN)}`.padEnd(32)} ${`${fmt(d.readyMillis)} ms`.padStart(16)}`);
  }
  if (r.cells.some((c) => c.allocator)) {
    lines.push("", "where llm-mesh's RSS above the empty module is (MiB; Envoy's allocator from its admin /memory):",
      "workers   heap in use   held free by the allocator   outside the heap (code, VM memories, V8)");
    for (const n of concurrencies) {
      const [e, m] = (["empty", "llm-mesh"] as const).map((v) => cell(r, v, n));
      const split = (c: FootprintCell | undefined) => {
        const a = c?.allocator;
        if (!c || !a) return { used: NaN, free: NaN, outside: NaN };
        const mapped = a.heapBytes - a.unmappedBytes;
        return { used: a.allocatedBytes, free: mapped - a.allocatedBytes, outside: c.rssBytes - mapped };
      };
      const [se, sm] = [split(e), split(m)];
      lines.push(`${String(n).padStart(7)}   ${mib(sm.used - se.used).padStart(11)}   ${mib(sm.free - se.free).padStart(26)}   ${mib(sm.outside - se.outside).padStart(15)}`);
    }
  }
  return lines.join("\n");
}

export function footprintTargets(r: FootprintReport): { name: string; target: string; measured: string; met: boolean }[] {
  return [...new Set(r.cells.map((c) => c.concurrency))].flatMap((n) => {
    const d = aboveEmpty(r, n);
    return [
      { name: `idle RSS above the empty module, --concurrency ${n}`, target: `<= ${mib(FOOTPRINT_TARGETS.rssAboveEmptyBytes)} MiB`, measured: `${mib(d.rssBytes)} MiB`, met: d.rssBytes <= FOOTPRINT_TARGETS.rssAboveEmptyBytes },
      { name: `ready with the filter configured in every worker, above the empty module, --concurrency ${n}`, target: `<= ${FOOTPRINT_TARGETS.readyAboveEmptyMillis} ms`, measured: `${fmt(d.readyMillis)} ms`, met: d.readyMillis <= FOOTPRINT_TARGETS.readyAboveEmptyMillis },
    ];
  });
}

/** The example config's bootstrap with this variant's filter on its listener, sent to a loopback upstream. */
export function footprintBootstrap(variant: FootprintVariant, wasmPath: string, floorPath: string): string {
  const pluginConfig = examplePluginConfig();
  // The example passes keys through from Envoy's environment; here they are literal, so no real key is needed.
  const keys = Object.fromEntries(keyEnvNames(pluginConfig as LlmMeshConfig).map((name) => [name, `footprint-${name.toLowerCase()}`]));
  const options: BootstrapOptions = {
    wasmPath, pluginConfig, listenPort: 0, adminPort: 0, env: { values: keys }, accessLogPath: "/dev/null",
    // Static loopback clusters instead of the providers' hosts: a DNS lookup at start would time the network, not the filter.
    mockUpstream: { address: "127.0.0.1", port: 9 },
    listenerModule: variant === "bare" ? "none" : variant === "empty" ? { wasmPath: floorPath, vmId: "floor" } : undefined,
  };
  return stringify(buildBootstrap(options), { lineWidth: 0 });
}

async function sleep(ms: number): Promise<void> { await new Promise((r) => setTimeout(r, ms)); }

/** Envoy's count of live Wasm VMs (every runtime). */
async function activeVms(envoy: RunningEnvoy): Promise<number> {
  const text = await (await fetch(`${envoy.adminUrl}/stats?filter=^wasm\\.envoy\\.wasm\\.runtime\\.[a-z0-9_]+\\.active$`)).text();
  return [...text.matchAll(/: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

const POLL_MS = 5;

/** Envoy's allocator figures (admin /memory), or nothing when this Envoy does not give them. */
async function allocatorFigures(envoy: RunningEnvoy): Promise<{ allocator?: AllocatorFigures }> {
  try {
    const memory = await (await fetch(`${envoy.adminUrl}/memory`)).json() as Record<string, string>;
    const figures = { heapBytes: Number(memory.heap_size), allocatedBytes: Number(memory.allocated), unmappedBytes: Number(memory.pageheap_unmapped ?? 0) };
    return Object.values(figures).every(Number.isFinite) && figures.heapBytes > 0 ? { allocator: figures } : {};
  } catch {
    return {};
  }
}

/**
 * Wasm VMs Envoy 1.40 keeps for one plugin (wasm.envoy.wasm.runtime.v8.active, measured): the base
 * VM it compiles the module into, the main thread's and one per worker. llm-mesh logs its
 * configuration as many times: the main thread's, the workers' and one on a VM Envoy configures
 * once at load and then drops (the base VM itself only starts).
 */
export const vmsPerPlugin = (concurrency: number) => concurrency + 2;

/**
 * Starts Envoy once and times it until it can serve with the filter configured everywhere; then
 * reads its RSS after settling. Envoy's /ready alone is not enough: it says the listeners are up,
 * and Envoy builds each worker's Wasm VM on that worker's thread, from a task queued at config
 * load. So, after /ready, this waits until Envoy counts every VM (its stats), and for llm-mesh
 * until each has logged that its configuration loaded (onConfigure succeeded, not only the VM
 * made); then one request is answered through the listener. Only then is it ready.
 */
export async function measureStart(envoyPath: string, config: string, variant: FootprintVariant, concurrency: number, settleMillis: number): Promise<FootprintStart> {
  const began = performance.now();
  const envoy = await startEnvoy({ envoyPath, config, concurrency, logLevel: "info", pollMs: POLL_MS, timeoutMs: 60_000 });
  try {
    const vms = variant === "bare" ? 0 : vmsPerPlugin(concurrency);
    const deadline = Date.now() + 30_000;
    const configured = () => (envoy.logs().match(/llm-mesh: configuration loaded/g) ?? []).length;
    for (;;) {
      const ready = (await activeVms(envoy)) >= vms && (variant !== "llm-mesh" || configured() >= vms);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`footprint: ${variant} at --concurrency ${concurrency}: ${await activeVms(envoy)} Wasm VMs and ${configured()} configurations loaded after 30 s, expected ${vms}\n${envoy.logs().split("\n").slice(-20).join("\n")}`);
      await sleep(POLL_MS);
    }
    // Any answer will do (the route table answers 404 to an unknown host): it shows a worker serves through the filter.
    await (await fetch(`${envoy.url}/footprint`)).arrayBuffer();
    const readyMillis = performance.now() - began;
    await sleep(settleMillis);
    const rss = rssBytes(envoy.pid);
    return { readyMillis, rssBytes: rss, ...(await allocatorFigures(envoy)) };
  } finally {
    await envoy.stop();
  }
}

export interface FootprintOptions {
  envoyPath: string; wasmPath: string; floorPath: string;
  /** Starts per variant and concurrency (default 3). */
  starts?: number;
  settleMillis?: number;
  concurrencies?: number[];
  log?: (line: string) => void;
  /** Tests only: stands in for starting Envoy. */
  measureStart?: typeof measureStart;
}

/**
 * One start, and once more if it never got ready: once at the end of a 25-minute run an empty
 * module's Envoy counted 3 Wasm VMs of 4 for 30 s (2026-12-06, not seen again); one such start
 * should not throw the whole run away. A second failure is the bench's error.
 */
export async function retriedOnce<T>(attempt: () => Promise<T>, onRetry: (error: unknown) => void): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    onRetry(error);
    return await attempt();
  }
}

const firstLine = (error: unknown) => String(error instanceof Error ? error.message : error).split("\n")[0];

/** Every variant at every concurrency, starts interleaved so drift in the machine's speed hits all alike. */
export async function measureFootprint(options: FootprintOptions): Promise<FootprintReport> {
  const settleMillis = options.settleMillis ?? 1000;
  const measured: { variant: FootprintVariant; concurrency: number; start: FootprintStart }[] = [];
  for (const concurrency of options.concurrencies ?? FOOTPRINT_CONCURRENCIES) {
    const configs = new Map(FOOTPRINT_VARIANTS.map((v) => [v, footprintBootstrap(v, options.wasmPath, options.floorPath)]));
    for (let i = 0; i < (options.starts ?? 3); i++) {
      options.log?.(`idle footprint, --concurrency ${concurrency}: start ${i + 1}/${options.starts ?? 3}`);
      for (const variant of FOOTPRINT_VARIANTS) {
        const start = () => (options.measureStart ?? measureStart)(options.envoyPath, configs.get(variant)!, variant, concurrency, settleMillis);
        measured.push({ variant, concurrency, start: await retriedOnce(start, (error) => options.log?.(`idle footprint: ${variant} at --concurrency ${concurrency} did not get ready (${firstLine(error)}); starting it once more`)) });
      }
    }
  }
  return { cells: footprintCells(measured), settleMillis };
}

// Host calls per request: every Proxy-Wasm ABI (and WASI) call the module makes during a request's
// callbacks, by name, for the bench's plain request (body mode, metrics on, the two-backend route
// with model rewrite and key injection, a 1 KB OpenAI chat request, a JSON answer with usage), and
// what each feature adds to it. Each call costs about a microsecond in Envoy (a crossing through
// the Wasm C API, and a malloc back into the VM for each value returned), so the count is a cost
// that the emulator measures exactly where a timed run only sees noise. `llm-mesh bench` prints it;
// test/unit/host-calls.test.ts holds the line with HOST_CALL_LIMITS.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator, HttpStream } from "../host/emulator.js";
import { newKey } from "../config/consumer-key.js";
import { BENCH_ANSWER, BENCH_CONFIG, benchBody } from "./micro.js";
import { MCP_REQUESTS, mcpRequest, mcpSession, mcpVm } from "./mcp-bench.js";

/** Calls per request (or per chunk) by name: the ABI function, with the header map or property it names. */
export type CallsByName = [string, number][];

export interface HostCallRow {
  /** What was measured. */
  case: string;
  /** What the row adds to: "" for the plain request itself. */
  base: string;
  /** Calls per request (per chunk for the stream row), made during the request's own callbacks. */
  calls: number;
  /** calls minus the base's calls (per chunk for the stream row). */
  added: number;
  /** The line test/unit/host-calls.test.ts holds for `added` (for the plain request: `calls`). */
  limit: number;
  /** By name: the row's own calls (the plain request), or the difference from its base. */
  byName: CallsByName;
}

export interface HostCallReport {
  plain: HostCallRow;
  /** Calls the root context's tick makes per request served since the last one (metrics flushed in a batch). */
  tickPerRequest: number;
  tickByName: CallsByName;
  features: HostCallRow[];
}

/**
 * The lines held: the plain request's total and what each feature may add. A change that adds a
 * call to a request fails test/unit/host-calls.test.ts; lower them as calls go.
 *
 * Issue 25 asked for at most 12 on the plain request, counting calls as if each cost the same. In
 * Envoy they do not (docs/benchmarks.md, "Where the 1 KB time goes", priced with the envoy_work
 * fixture): a whole header map written in one call costs Envoy more than the few headers that
 * changed written one call each, so since 2026-12-06 headers are written that way (the plain
 * request 12 -> 15.5 calls, and 2 µs less Envoy CPU per request, A/B in one Envoy).
 */
export const HOST_CALL_LIMITS = {
  // 12 before the headers were written one call each: the request's 3.5 changed headers and the
  // answer's 2 instead of one whole-map write each.
  plain: 16,
  consumer: 1,
  // The bench's quota has a requests and a tokens limit, each reserved with compare-and-swap (get,
  // then set: 4), the tokens one set right when done (2), and the clock read for the window (1).
  // Seven since this count began (08889f2); 6 was never met. Fewer would need both counters of a
  // window in one shared-data value.
  quota: 7,
  policy: 0,
  pooled: 1,
  // 20 with whole-map writes; the try's 3 request and 3 answer headers are now written one each.
  failoverTry: 24,
  streamChunk: 2,
  // A whole MCP request on an MCP route (mcp-bench.ts: a tools/call, and a tools/list whose answer
  // is read and filtered), JSON answers, the server's token set. Counted when MCP routes landed
  // (2168a3d): the list's one more is writing its filtered answer back. 12 and 13 with whole-map
  // writes; now the request's 4 changed headers and the answer's 2 are written one each.
  mcpCall: 16,
  mcpList: 17,
};

/** The request the bench's load generator sends, with the headers an OpenAI SDK adds. */
const HEADERS = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json", "user-agent": "OpenAI/JS 5.0.0", "x-request-id": "5f1c2a9e-0d3b-4a51-9a7e-2b6f0c1d9e77", accept: "application/json" };
const ANSWER_HEADERS = { ":status": "200", "content-type": "application/json", "content-length": String(BENCH_ANSWER.length) };
/** Requests counted per case: the random pool (one WASI call per many weighted picks) averages out. */
const REQUESTS = 256;

type Config = Record<string, unknown>;

/** A VM as the bench's Envoy runs it: body mode (the toolchain's default), Envoy's route choice. */
async function vm(wasm: Uint8Array, settings: Config): Promise<HostEmulator> {
  const config = { requestMode: "body", ...settings };
  const vhosts = providerVirtualHosts(config as unknown as Parameters<typeof providerVirtualHosts>[0]);
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  return host;
}

/**
 * Calls per run of `once`, by name, after a warm-up (first uses define metrics and read the node's
 * identity once per VM): the requests' own callbacks apart from the tick that follows them.
 */
function count(host: HostEmulator, once: () => void, runs = REQUESTS): { perRun: Map<string, number>; tick: Map<string, number> } {
  for (let i = 0; i < 20; i++) once();
  host.tick();
  host.hostCallsByName.clear();
  host.tick(); // an idle tick: what every tick costs anyway (the memory gauge) is not the requests'
  const idle = new Map(host.hostCallsByName);
  host.hostCallsByName.clear();
  for (let i = 0; i < runs; i++) once();
  const perRun = new Map([...host.hostCallsByName].map(([k, v]) => [k, v / runs] as [string, number]));
  host.hostCallsByName.clear();
  host.tick();
  const tick = new Map<string, number>();
  for (const [k, v] of host.hostCallsByName) {
    const extra = (v - (idle.get(k) ?? 0)) / runs;
    if (extra > 0) tick.set(k, extra);
  }
  host.hostCallsByName.clear();
  if (host.trap) throw host.trap;
  return { perRun, tick };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((n, v) => n + v, 0);
const round = (n: number) => Math.round(n * 100) / 100;
const sorted = (m: Map<string, number>): CallsByName => [...m].map(([k, v]) => [k, round(v)] as [string, number]).filter(([, v]) => v !== 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

function difference(a: Map<string, number>, b: Map<string, number>, per = 1): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of new Set([...a.keys(), ...b.keys()])) out.set(k, ((a.get(k) ?? 0) - (b.get(k) ?? 0)) / per);
  return out;
}

function row(name: string, base: string, calls: Map<string, number>, baseCalls: Map<string, number> | null, limit: number, per = 1): HostCallRow {
  const diff = baseCalls === null ? calls : difference(calls, baseCalls, per);
  // Per chunk, a row's calls are what each chunk adds.
  return { case: name, base, calls: round(per === 1 ? total(calls) : total(diff)), added: round(total(diff)), limit, byName: sorted(diff) };
}

function answered(s: HttpStream): void {
  if (s.localResponse) throw new Error(`refused: ${s.localResponse.status} ${s.localResponse.body}`);
  s.sendResponseHeaders(ANSWER_HEADERS);
  s.sendResponseBody(BENCH_ANSWER, true);
  s.complete();
}

/**
 * The bench's plain request alone, by call name, through the module at `wasmPath`: the envoy_work
 * fixture is held to making the same calls as llm-mesh (test/unit/host-calls.test.ts).
 */
export async function plainRequestCalls(wasmPath: string): Promise<CallsByName> {
  const host = await vm(readFileSync(wasmPath), BENCH_CONFIG);
  const body = Buffer.from(benchBody(1024));
  return sorted(count(host, () => { const s = host.createStream(); s.sendRequest(HEADERS, body); answered(s); }).perRun);
}

/** Counts the bench's plain request and each feature's additions, with the module at `wasmPath`. */
export async function countHostCalls(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm")): Promise<HostCallReport> {
  const wasm = readFileSync(wasmPath);
  const body = Buffer.from(benchBody(1024));
  const route = BENCH_CONFIG.routes[0];
  const plainRequest = (host: HostEmulator, headers: Record<string, string> = {}) => () => {
    const s = host.createStream();
    s.sendRequest({ ...HEADERS, ...headers }, body);
    answered(s);
  };

  const plainHost = await vm(wasm, BENCH_CONFIG);
  const plain = count(plainHost, plainRequest(plainHost));

  // A consumer known by its gateway key; then the same consumer with a local quota (far above what is reached).
  const key = newKey();
  const consumer = { name: "bench-app", keys: [key.stored] };
  const bearer = { authorization: `Bearer ${key.key}` };
  const consumerHost = await vm(wasm, { ...BENCH_CONFIG, consumers: [consumer] });
  const withConsumer = count(consumerHost, plainRequest(consumerHost, bearer));
  const quotaHost = await vm(wasm, { ...BENCH_CONFIG, consumers: [{ ...consumer, limits: [{ requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000 }] }] });
  const withQuota = count(quotaHost, plainRequest(quotaHost, bearer));

  // A request policy: deny and mask rules over the prompt (none hits).
  const policy = { deny: [{ contains: "ignore previous instructions", ignoreCase: true }], mask: [{ builtin: "email" }] };
  const policyHost = await vm(wasm, { ...BENCH_CONFIG, routes: [{ ...route, policy }] });
  const withPolicy = count(policyHost, plainRequest(policyHost));

  // A failover route: downstream, the request goes to the route's pool; upstream, each try is rewritten.
  const failoverRoutes = [{ ...route, failover: { attempts: 2 } }];
  const pooledHost = await vm(wasm, { ...BENCH_CONFIG, routes: failoverRoutes });
  const pooled = count(pooledHost, () => {
    // As Envoy reports a try's answer: it came from upstream, and the try named its backend.
    const s = pooledHost.createStream({ "response.code_details": "via_upstream", "llm_mesh.tried": "a" });
    s.sendRequest(HEADERS, body);
    answered(s);
  });
  const tryHost = await vm(wasm, { ...BENCH_CONFIG, routes: failoverRoutes, role: "upstream" });
  const tryCalls = count(tryHost, () => {
    const s = tryHost.createStream({ "xds.upstream_host_metadata.filter_metadata.llm-mesh.backend": `${route.name}/0`, "xds.cluster_name": `llm-mesh-failover|${route.name}`, "llm_mesh.pool": route.name });
    s.sendRequest({ ...HEADERS, ":authority": `${route.name}.failover.llm-mesh.internal` }, body);
    answered(s);
  });

  // A stream: the calls of 40 chunks less those of 20, per chunk.
  const streamBody = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), stream: true }));
  const chunk = (i: number) => Buffer.from(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: ` token${i}` }, finish_reason: null }] })}\n\n`);
  const usage = Buffer.from(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 231, completion_tokens: 40, total_tokens: 271 } })}\n\ndata: [DONE]\n\n`);
  const streamHost = await vm(wasm, BENCH_CONFIG);
  const streamOf = (chunks: number) => () => {
    const s = streamHost.createStream();
    s.sendRequest(HEADERS, streamBody);
    if (s.localResponse) throw new Error(`refused: ${s.localResponse.body}`);
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    for (let i = 0; i < chunks; i++) s.sendResponseBody(chunk(i));
    s.sendResponseBody(usage, true);
    s.complete();
  };
  const short = count(streamHost, streamOf(20), 64);
  const long = count(streamHost, streamOf(40), 64);

  // MCP routes: a tools/call and a tools/list (its answer filtered), each a whole request.
  const mcpHost = await mcpVm(wasm);
  // In a session, as clients call: its tag is checked (one read of the Envoy's session secret).
  const session = mcpSession(mcpHost);
  const mcpCall = count(mcpHost, mcpRequest(mcpHost, "call", MCP_REQUESTS.call, false, session));
  const mcpList = count(mcpHost, mcpRequest(mcpHost, "list", MCP_REQUESTS.list, false, session));

  return {
    plain: row("plain request (the bench's)", "", plain.perRun, null, HOST_CALL_LIMITS.plain),
    tickPerRequest: round(total(plain.tick)),
    tickByName: sorted(plain.tick),
    features: [
      row("consumer by gateway key", "plain request", withConsumer.perRun, plain.perRun, HOST_CALL_LIMITS.consumer),
      row("local quota (requests and tokens per minute)", "consumer", withQuota.perRun, withConsumer.perRun, HOST_CALL_LIMITS.quota),
      row("request policy (deny and mask rules)", "plain request", withPolicy.perRun, plain.perRun, HOST_CALL_LIMITS.policy),
      row("failover route, downstream (to its pool)", "plain request", pooled.perRun, plain.perRun, HOST_CALL_LIMITS.pooled),
      row("each failover try (pool's upstream filter)", "no try", tryCalls.perRun, new Map(), HOST_CALL_LIMITS.failoverTry),
      row("each stream chunk (OpenAI SSE, metered)", "20 chunks fewer", long.perRun, short.perRun, HOST_CALL_LIMITS.streamChunk, 20),
      row("MCP tools/call (JSON answer), whole request", "no request", mcpCall.perRun, new Map(), HOST_CALL_LIMITS.mcpCall),
      row("MCP tools/list (JSON answer filtered), whole", "no request", mcpList.perRun, new Map(), HOST_CALL_LIMITS.mcpList),
    ],
  };
}

const names = (byName: CallsByName) => byName.map(([k, v]) => `${v > 0 ? "+" : ""}${v} ${k}`).join(", ");

/** The report as printed by `llm-mesh bench` and `npm run bench:profile`. */
export function hostCallTable(r: HostCallReport): string {
  const lines = [
    "host calls per request (ABI and WASI calls in the request's callbacks, host emulator; what each costs in Envoy: docs/benchmarks.md):",
    `  plain request (body mode, metrics on, 2 backends, model rewrite, key, 1 KB chat, JSON answer): ${r.plain.calls} (limit ${r.plain.limit})`,
  ];
  for (const [k, v] of r.plain.byName) lines.push(`    ${String(v).padStart(5)}  ${k}`);
  lines.push(`  deferred to the root context's tick (metrics flushed in a batch): ${r.tickPerRequest} per request${r.tickByName.length > 0 ? ` (${names(r.tickByName)})` : ""}`);
  lines.push("  feature                                        added   limit   over          by name");
  for (const f of r.features) lines.push(`  ${f.case.padEnd(46)} ${`${f.added >= 0 ? "+" : ""}${f.added}`.padStart(6)} ${String(f.limit).padStart(7)}   ${f.base.padEnd(13)} ${names(f.byName)}`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(hostCallTable(await countHostCalls(process.argv[2] ?? undefined)));
}

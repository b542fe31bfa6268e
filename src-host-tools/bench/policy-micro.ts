// The cost of consumers and request policy in the VM (host emulator): the same 1 KB request and JSON
// answer through VMs that differ only in one feature: nothing configured (the base), a consumer known
// by its gateway key (salted SHA-256 checked per request), that consumer with local quotas
// (shared-data counters with compare-and-swap, charged the answer's usage), a prompt template that
// makes the same 1 KB chat request from {"prompt": …}, and deny and mask rules over the prompt;
// then the same rules over 16 KB requests, to give their cost per KB: plain text, text that the
// normalizer changes throughout (fullwidth letters, zero-width characters, doubled spaces), and
// a conversation of 64 messages of text parts (each message matched as one text).
// Module time, the emulator's own host-function time taken out, as in metrics-micro.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator } from "../host/emulator.js";
import { newKey } from "../config/consumer-key.js";
import { BENCH_ANSWER as ANSWER, BENCH_CONFIG, benchBody } from "./micro.js";
import { time } from "./metrics-micro.js";

export interface PolicyMicroResult { case: string; micros: number; baseMicros: number; addedMicros: number; hostCalls: number; baseHostCalls: number; kb: number }


async function load(wasm: Buffer, extra: Record<string, unknown>, policy?: Record<string, unknown>): Promise<HostEmulator> {
  const config = { ...BENCH_CONFIG, routes: [{ ...BENCH_CONFIG.routes[0], backends: [BENCH_CONFIG.routes[0].backends[0]], ...(policy ? { policy } : {}) }], requestMode: "body", ...extra };
  const vhosts = providerVirtualHosts(config);
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  return host;
}

export async function runPolicyMicro(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm"), minMillis = 1000): Promise<PolicyMicroResult[]> {
  const wasm = readFileSync(wasmPath);
  const key = newKey();
  const consumer = { name: "bench-app", keys: [key.stored] };
  // Limits far above what the run reaches, so every request is admitted and charged.
  const limits = [{ requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000 }];
  const chat = JSON.parse(benchBody(1024)) as { model: string; temperature: number; messages: { role: string; content: string }[] };
  const body = Buffer.from(JSON.stringify(chat));
  // The template writes the bench's chat request back from its user text: the provider gets the same body.
  const template = { model: chat.model, temperature: "{{ body.temperature ?? 0.2 }}", messages: [chat.messages[0], { role: "user", content: "{{ body.prompt }}" }] };
  const prompt = Buffer.from(JSON.stringify({ prompt: chat.messages[1].content }));
  const big = Buffer.from(benchBody(16 * 1024));
  // Every word fullwidth or split by a zero-width space, with doubled spaces: the slow path of the view.
  const odd = "Ｔｈｅ qu\u200bick  ｂｒｏｗｎ fox\u00a0 jumps over the la\u200dzy dog. ";
  const disguised = Buffer.from(JSON.stringify({ ...chat, messages: [chat.messages[0], { role: "user", content: odd.repeat(Math.ceil(16 * 1024 / Buffer.byteLength(odd))) }] }));
  const part = { type: "text", text: "The quick brown fox jumps over the lazy dog. " };
  const parts = Buffer.from(JSON.stringify({ ...chat, messages: Array.from({ length: 64 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: [part, part, part, part] })) }));
  const rules = { deny: [{ contains: "ignore previous instructions", ignoreCase: true }, { regex: "(?i)\\bdrop\\s+table\\b" }], mask: [{ builtin: "email" }, { builtin: "card" }] };
  const variants = [
    // [name, VM, request, the request the base VM gets: the same chat body without the feature]
    ["consumer by gateway key", await load(wasm, { consumers: [consumer] }), body, body],
    ["consumer key + local quota", await load(wasm, { consumers: [{ ...consumer, limits }] }), body, body],
    ["prompt template", await load(wasm, {}, { template }), prompt, body],
    ["2 deny + 2 mask rules (no hit)", await load(wasm, {}, rules), body, body],
    ["rules, 16 KB plain text", await load(wasm, {}, rules), big, big],
    ["rules, 16 KB text to normalize", await load(wasm, {}, rules), disguised, disguised],
    ["rules, 16 KB in 64 messages x 4 parts", await load(wasm, {}, rules), parts, parts],
  ] as const;
  const base = await load(wasm, {});
  const request = (host: HostEmulator, body: Buffer) => () => {
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json", authorization: `Bearer ${key.key}` }, body);
    if (s.localResponse) throw new Error(`refused: ${s.localResponse.body}`);
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(ANSWER, true);
    s.complete();
  };
  const results: PolicyMicroResult[] = [];
  for (const [name, host, sent, baseBody] of variants) {
    // Alternate with the base so drift cancels; each one's best of three.
    const on: ReturnType<typeof time>[] = [];
    const off: ReturnType<typeof time>[] = [];
    for (let round = 0; round < 3; round++) {
      on.push(time(host, request(host, sent), Math.ceil(minMillis / 3)));
      off.push(time(base, request(base, baseBody), Math.ceil(minMillis / 3)));
    }
    const micros = Math.min(...on.map((r) => r.micros));
    const baseMicros = Math.min(...off.map((r) => r.micros));
    results.push({ case: name, micros, baseMicros, addedMicros: micros - baseMicros, hostCalls: on[0].calls, baseHostCalls: off[0].calls, kb: sent.length / 1024 });
  }
  return results;
}

export function policyMicroTable(results: PolicyMicroResult[]): string {
  const lines = ["cost of consumers and request policy in the VM (1 KB request with its JSON answer; module time, the emulator's host functions taken out):",
    "the base is the same chat request without the feature; added µs per KB of the request is the policy's cost per KB",
    "case                                     µs/request   base   added µs   added µs/KB   host calls / base"];
  for (const r of results) {
    lines.push(`${r.case.padEnd(40)} ${r.micros.toFixed(1).padStart(10)} ${r.baseMicros.toFixed(1).padStart(6)} ${r.addedMicros.toFixed(2).padStart(10)} ${(r.addedMicros / r.kb).toFixed(2).padStart(13)}   ${`${r.hostCalls.toFixed(0)} / ${r.baseHostCalls.toFixed(0)}`.padStart(17)}`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // An optional argument: another build to measure (e.g. an older commit's, for before/after figures).
  console.log(policyMicroTable(await runPolicyMicro(process.argv[2] ?? undefined)));
}

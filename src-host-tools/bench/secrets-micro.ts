// The cost of keeping secrets out of responses, in the VM (host emulator): the same request and
// answers through VMs that differ only in the secrets they hold. The base holds none (an
// openai-compatible provider without a key: nothing to look for, nothing scanned); the others hold
// one key, or five secrets of every kind (two keys, an AWS secret and session token, a token). Each
// answer's headers and body are scanned on the way out; the cost per KB is the slope between a 1 KB
// and a 64 KB answer (fixed costs cancel), in text dense with what the scanner must stop at; a 64 KB
// answer of plain prose shows the common case. Module time, the emulator's host functions taken out.
// `npx tsx src-host-tools/bench/secrets-micro.ts [module.wasm]`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator } from "../host/emulator.js";
import { time } from "./metrics-micro.js";

/** Short measurements, many of them: on a shared machine the least disturbed one is the VM's cost. */
const ROUNDS = 15;

export interface SecretsMicroResult { secrets: string; answer: string; kb: number; micros: number; baseMicros: number; addedMicros: number }

const KEY = "sk-proj-Qm4Ty8Zb2Lx6Vn0Rc3Wd7Hs1Pk9Jf5Gt";
const ENV = { AWS_ACCESS_KEY_ID: "AKIDBENCH", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY+Q",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEXAMPLE/" + "session+token/".repeat(24) + "Zq8v9w==" };
const route = { name: "bench", match: { host: "llm.local" }, backends: [{ provider: "local", model: "m" }] };
const CONFIGS = {
  none: { providers: [{ name: "local", type: "openai-compatible", host: "local.test" }], routes: [route] },
  "1 key": { providers: [{ name: "local", type: "openai-compatible", host: "local.test", apiKeys: [{ value: KEY }] }], routes: [route] },
  "5 secrets": { providers: [
    { name: "local", type: "openai-compatible", host: "local.test", apiKeys: [{ value: KEY }] },
    { name: "an", type: "anthropic", apiKeys: [{ value: "sk-ant-api03-Ge5Uj9Ko2Pw8Ai4Sf7Dl-bench" }] },
    { name: "vx", type: "vertex-ai", project: "p", region: "us-east5", apiKeys: [{ value: "ya29.c.b0Aaek-bench_token/Xy71" + "q".repeat(200) }] },
    { name: "br", type: "bedrock", region: "us-east-1" },
  ], routes: [route] },
};

async function load(wasm: Buffer, config: unknown): Promise<HostEmulator> {
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: true, env: ENV, routeCluster: () => "outbound|443||local.test" });
  if (!host.configure(JSON.stringify({ ...(config as object), requestMode: "body" }))) throw new Error(host.logText().join("\n"));
  return host;
}

/** Model text like an answer's, dense with what the scanner must stop at: JSON escapes, non-ASCII, near-misses of the key. */
const DENSE = "The quick brown fox jumps over the lazy dog; \"quoted\", ünïcödé ✓ \\ sk-proj and AKID. ";
/** Plain prose: what most of a chat answer is (the scanner passes over it 16 bytes at a time). */
const PROSE = "Here is a plain answer from the model, explaining how the mesh routes requests to providers and keeps keys safe. ";

function text(bytes: number, words = DENSE): string {
  const sentence = JSON.stringify(words).slice(1, -1);
  let out = "";
  while (out.length < bytes) out += sentence;
  return out.slice(0, bytes).replace(/\\+$/, "");
}
const jsonAnswer = (kb: number, words = DENSE) => Buffer.from(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"${text(kb * 1024 - 200, words)}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`);
/** A stream of kb KB in events of about 128 bytes, delivered 16 events to a body callback. */
function streamAnswer(kb: number): Buffer[] {
  const events: string[] = [];
  for (let size = 0; size < kb * 1024; ) {
    const e = `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${text(24)}"},"finish_reason":null}]}\n\n`;
    events.push(e); size += e.length;
  }
  events.push('data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}\n\ndata: [DONE]\n\n');
  const chunks: Buffer[] = [];
  const per = Number(process.env.EVENTS_PER_CHUNK ?? 16);
  for (let i = 0; i < events.length; i += per) chunks.push(Buffer.from(events.slice(i, i + per).join("")));
  return chunks;
}

export async function runSecretsMicro(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm"), minMillis = 600): Promise<SecretsMicroResult[]> {
  const wasm = readFileSync(wasmPath);
  const base = await load(wasm, CONFIGS.none);
  const chat = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }));
  const streamChat = Buffer.from(JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }));
  const answers = [
    ["JSON", 1, [jsonAnswer(1)], chat], ["JSON", 64, [jsonAnswer(64)], chat], ["JSON, plain prose", 64, [jsonAnswer(64, PROSE)], chat], ["SSE stream", 64, streamAnswer(64), streamChat],
  ] as const;
  const once = (host: HostEmulator, body: Buffer, chunks: readonly Buffer[], type: string) => () => {
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", "content-type": "application/json" }, body);
    s.sendResponseHeaders({ ":status": "200", "content-type": type, "x-request-id": "0f1e2d3c", "openai-processing-ms": "12" });
    chunks.forEach((c, i) => s.sendResponseBody(c, i === chunks.length - 1));
    s.complete();
  };
  const results: SecretsMicroResult[] = [];
  const hosts = { "1 key": await load(wasm, CONFIGS["1 key"]), "5 secrets": await load(wasm, CONFIGS["5 secrets"]) };
  // Warm every VM on every answer first: V8 tiers a module's functions up as they run hot.
  for (const host of [base, hosts["1 key"], hosts["5 secrets"]]) {
    for (const [kind, , chunks, body] of answers) time(host, once(host, body, chunks, kind.startsWith("JSON") ? "application/json" : "text/event-stream"), 200);
  }
  for (const name of ["1 key", "5 secrets"] as const) {
    const host = hosts[name];
    for (const [kind, kb, chunks, body] of answers) {
      const type = kind.startsWith("JSON") ? "application/json" : "text/event-stream";
      const on: number[] = [];
      const off: number[] = [];
      // Alternate with the base so drift cancels; each one's best of ROUNDS (the minimum resists a busy machine).
      for (let round = 0; round < ROUNDS; round++) {
        on.push(time(host, once(host, body, chunks, type), Math.ceil(minMillis / ROUNDS)).micros);
        off.push(time(base, once(base, body, chunks, type), Math.ceil(minMillis / ROUNDS)).micros);
      }
      const micros = Math.min(...on);
      const baseMicros = Math.min(...off);
      results.push({ secrets: name, answer: `${kb} KB ${kind}`, kb, micros, baseMicros, addedMicros: micros - baseMicros });
    }
  }
  return results;
}

export function secretsMicroTable(results: SecretsMicroResult[]): string {
  const lines = ["cost of scanning answers for secrets in the VM (module time, the emulator's host functions taken out):",
    "secrets     answer                        µs/request   base (no secret)   added µs   added µs/KB"];
  for (const r of results) {
    lines.push(`${r.secrets.padEnd(11)} ${r.answer.padEnd(29)} ${r.micros.toFixed(1).padStart(10)} ${r.baseMicros.toFixed(1).padStart(18)} ${r.addedMicros.toFixed(1).padStart(10)} ${(r.addedMicros / r.kb).toFixed(2).padStart(13)}`);
  }
  for (const name of ["1 key", "5 secrets"]) {
    const one = results.find((r) => r.secrets === name && r.answer === "1 KB JSON")!;
    const big = results.find((r) => r.secrets === name && r.answer === "64 KB JSON")!;
    lines.push(`${name}: ${((big.addedMicros - one.addedMicros) / 63).toFixed(2)} µs per KB of JSON answer (slope 1 → 64 KB); fixed part ${(one.addedMicros - (big.addedMicros - one.addedMicros) / 63).toFixed(1)} µs`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // An optional argument: another build to measure (before and after a change to the scanner).
  console.log(secretsMicroTable(await runSecretsMicro(process.argv[2])));
}

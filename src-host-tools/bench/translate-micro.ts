// In-VM microbenchmark of translation: one SSE event translated per body callback (Anthropic's
// stream to OpenAI chunks and OpenAI's to Anthropic events), and whole JSON answers of 1 KB and
// 64 KB. Timed around proxy_on_response_body in the host emulator: the VM's work, reading the
// chunk across the ABI and writing the translated one back included.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { instantiate } from "@assemblyscript/loader";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator, HttpStream } from "../host/emulator.js";

export interface TranslateMicroResult { case: string; unit: string; bytesIn: number; units: number; microsPerUnit: number }

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "bench-key-a" }] },
    { name: "openai", type: "openai", apiKeys: [{ value: "bench-key-o" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
  ],
  routes: [
    { name: "claude", match: { host: "claude.local" }, backends: [{ provider: "anthropic", model: "claude-sonnet-4-5" }] },
    { name: "gpt", match: { host: "gpt.local" }, backends: [{ provider: "openai", model: "gpt-4o" }] },
    { name: "bedrock", match: { host: "bedrock.local" }, backends: [{ provider: "bedrock", model: "anthropic.claude-3-5-sonnet-20240620-v1:0" }] },
  ],
};
const AWS_ENV = { AWS_ACCESS_KEY_ID: "AKIDBENCH", AWS_SECRET_ACCESS_KEY: "bench/secret" };

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const bedrockDelta = (i: number) => Buffer.from(codec.encode({
  headers: { ":event-type": { type: "string", value: "contentBlockDelta" }, ":content-type": { type: "string", value: "application/json" }, ":message-type": { type: "string", value: "event" } },
  body: fromUtf8(JSON.stringify({ contentBlockIndex: 0, delta: { text: `${TEXT.slice(0, 24)}${i}` } })),
}));

const TEXT = "The quick brown fox jumps over the lazy dog, \"quoted\", ünïcödé ✓. ";
const anthropicDelta = (i: number) => `event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: `${TEXT.slice(0, 24)}${i}` } })}\n\n`;
const openaiDelta = (i: number) => `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [{ index: 0, delta: { content: `${TEXT.slice(0, 24)}${i}` }, logprobs: null, finish_reason: null }] })}\n\n`;

function claudeText(length: number): string {
  let text = "";
  while (text.length < length) text += TEXT;
  return text.slice(0, length);
}

function claudeAnswer(bytes: number): string {
  return JSON.stringify({ id: "msg_bench", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: claudeText(bytes - 220) }],
    stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 300 } });
}

function start(host: HostEmulator, authority: string, path: string, body: string, stream: boolean, contentType: string): HttpStream {
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": path, ":authority": authority, ":scheme": "http", "content-type": "application/json" }, body);
  if (s.localResponse) throw new Error(`not forwarded: ${s.localResponse.body}`);
  s.sendResponseHeaders({ ":status": "200", "content-type": stream ? (contentType || "text/event-stream") : contentType });
  return s;
}

/** SigV4 in the VM (the filter's own code, in a test build): hash the body and sign, per request. */
async function signingMicro(minMillis: number): Promise<TranslateMicroResult[]> {
  const asc = (await import("assemblyscript/asc")).default;
  const out = join(PROJECT_ROOT, "build", "crypto-test.wasm");
  const { error } = await asc.main(["assembly/test-crypto/index.ts", "--config", join(PROJECT_ROOT, "asconfig.json"), "--target", "release", "--exportRuntime", "-o", out], { stdout: { write: () => true }, stderr: { write: () => true } } as never);
  if (error) throw error;
  const imports = { env: { proxy_log: () => 0 }, wasi_snapshot_preview1: { proc_exit: () => { throw new Error("proc_exit"); } } };
  const wasm = (await instantiate<Record<string, unknown>>(readFileSync(out), imports as never)).exports as unknown as {
    __newString(s: string): number; __newArrayBuffer(b: ArrayBuffer): number; __pin(p: number): number; __unpin(p: number): void;
    sha256Hex(p: number): number; authorizationCached(...a: number[]): number;
  };
  const results: TranslateMicroResult[] = [];
  const str = (s: string) => wasm.__pin(wasm.__newString(s));
  const fixed = ["AKIDBENCH", "bench/secret", "us-east-1", "bedrock", "POST", "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse", "",
    "content-type\nhost\nx-amz-date", "application/json\nbedrock-runtime.us-east-1.amazonaws.com\n20261126T120000Z"].map(str);
  const date = str("20261126T120000Z");
  for (const [name, size] of [["SigV4 hash and sign, 1 KB body", 1024], ["SigV4 hash and sign, 1 MB body", 1 << 20]] as const) {
    const body = wasm.__pin(wasm.__newArrayBuffer(new Uint8Array(size).fill(0x61).buffer));
    const hash = str(createHash("sha256").update(Buffer.alloc(size, 0x61)).digest("hex"));
    const once = () => { wasm.sha256Hex(body); wasm.authorizationCached(...fixed, hash, date); };
    for (let i = 0; i < 20; i++) once();
    let units = 0;
    const begin = process.hrtime.bigint();
    while (process.hrtime.bigint() - begin < BigInt(minMillis) * 1_000_000n || units < 5) { once(); units++; }
    results.push({ case: name, unit: "request", bytesIn: size, units, microsPerUnit: Number(process.hrtime.bigint() - begin) / units / 1000 });
    wasm.__unpin(body);
  }
  return results;
}

function measure(host: HostEmulator, minMillis: number, once: () => number): { units: number; micros: number } {
  for (let i = 0; i < 20; i++) once();
  host.timings.clear();
  let units = 0;
  const begin = process.hrtime.bigint();
  while (process.hrtime.bigint() - begin < BigInt(minMillis) * 1_000_000n) units += once();
  return { units, micros: Number(host.timings.get("proxy_on_response_body")!.nanos) / units / 1000 };
}

/** `signing: false` leaves out the SigV4 rows (they build and time a separate test module). */
export async function runTranslateMicro(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm"), minMillis = 1000, signing = true): Promise<TranslateMicroResult[]> {
  const vhosts = providerVirtualHosts(CONFIG);
  const host = await HostEmulator.load(readFileSync(wasmPath), { logLevel: "warn", timeCallbacks: true, routeCluster: (a) => clusterForAuthority(vhosts, a), allowOnHeadersStopIteration: true, env: AWS_ENV });
  if (!host.configure(JSON.stringify(CONFIG))) throw new Error(host.logText().join("\n"));
  const chat = JSON.stringify({ messages: [{ role: "user", content: "hi" }], stream: true });
  const messages = JSON.stringify({ max_tokens: 100, messages: [{ role: "user", content: "hi" }], stream: true });
  const results: TranslateMicroResult[] = [];
  const EVENTS = 200;
  for (const [name, authority, path, body, event, contentType] of [
    ["SSE Anthropic → OpenAI chunk", "claude.local", "/v1/chat/completions", chat, (i: number) => Buffer.from(anthropicDelta(i)), "text/event-stream"],
    ["SSE OpenAI chunk → Anthropic", "gpt.local", "/v1/messages", messages, (i: number) => Buffer.from(openaiDelta(i)), "text/event-stream"],
    ["AWS event stream → OpenAI chunk", "bedrock.local", "/v1/chat/completions", chat, bedrockDelta, "application/vnd.amazon.eventstream"],
  ] as const) {
    const events = Array.from({ length: EVENTS }, (_, i) => event(i));
    const r = measure(host, minMillis, () => {
      const s = start(host, authority, path, body, true, contentType);
      for (const e of events) s.sendResponseBody(e, false);
      s.complete();
      return EVENTS;
    });
    results.push({ case: name, unit: "event", bytesIn: events[0].length, units: r.units, microsPerUnit: r.micros });
  }
  for (const [name, size] of [["JSON answer Anthropic → OpenAI 1 KB", 1024], ["JSON answer Anthropic → OpenAI 64 KB", 65536]] as const) {
    const answer = Buffer.from(claudeAnswer(size));
    const plain = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });
    const r = measure(host, minMillis, () => {
      const s = start(host, "claude.local", "/v1/chat/completions", plain, false, "application/json");
      s.sendResponseBody(answer, true);
      s.complete();
      return 1;
    });
    results.push({ case: name, unit: "answer", bytesIn: answer.length, units: r.units, microsPerUnit: r.micros });
  }
  const gptAnswer = Buffer.from(JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion", created: 1700000000, model: "gpt-4o",
    choices: [{ index: 0, message: { role: "assistant", content: claudeText(1024 - 260), refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 300, total_tokens: 310 } }));
  const r = measure(host, minMillis, () => {
    const s = start(host, "gpt.local", "/v1/messages", JSON.stringify({ max_tokens: 100, messages: [{ role: "user", content: "hi" }] }), false, "application/json");
    s.sendResponseBody(gptAnswer, true);
    s.complete();
    return 1;
  });
  results.push({ case: "JSON answer OpenAI → Anthropic 1 KB", unit: "answer", bytesIn: gptAnswer.length, units: r.units, microsPerUnit: r.micros });
  if (host.trap) throw host.trap;
  if (signing) results.push(...await signingMicro(minMillis));
  return results;
}

export function translateMicroTable(results: TranslateMicroResult[]): string {
  const lines = ["translation (in the VM)                  bytes in        count     µs each"];
  for (const r of results) lines.push(`${r.case.padEnd(38)} ${String(r.bytesIn).padStart(10)} ${String(r.units).padStart(12)} ${r.microsPerUnit.toFixed(2).padStart(11)}  per ${r.unit}`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(translateMicroTable(await runTranslateMicro()));
}

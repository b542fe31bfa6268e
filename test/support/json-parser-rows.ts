// The rows of docs/json-parsers.md: request bodies that provider-side JSON readers (Python, Go,
// JavaScript, .NET; test/support/json-readers.ts) read differently, and what llm-mesh does with
// each. A refused row must be a 400 in the client's API with nothing sent upstream; a forwarded
// row must reach the provider as something every reader reads as llm-mesh decided. The same rows
// run in the host emulator (test/unit/json-parsers.test.ts) and in real Envoy
// (test/integration/json-parsers.test.ts).
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { READERS, readAt } from "./json-readers.js";

export const alice = newKey();

const deny = { deny: [{ name: "launch", contains: "launch code" }] };
export const PARSER_CONFIG = {
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "mesh-openai-key" }] },
    { name: "claude", type: "anthropic", apiKeys: [{ value: "mesh-anthropic-key" }] },
  ],
  routes: [
    { name: "open", match: { host: "open.llm" }, backends: [{ provider: "openai" }] },
    // A backend that forces a model: the client's model is replaced.
    { name: "forced", match: { host: "forced.llm" }, backends: [{ provider: "openai", model: "gpt-4o-mini" }] },
    { name: "allow", match: { host: "allow.llm" }, backends: [{ provider: "openai" }], requireConsumer: true },
    { name: "guard", match: { host: "guard.llm" }, backends: [{ provider: "openai" }], policy: deny },
    { name: "guard-claude", match: { host: "guard-claude.llm" }, backends: [{ provider: "claude" }], policy: deny },
    // OpenAI clients, Anthropic provider: the translator writes the body the provider reads.
    { name: "translated", match: { host: "translated.llm" }, backends: [{ provider: "claude", model: "claude-3-5-haiku-latest" }] },
  ],
  // alice may use one cheap model.
  consumers: [{ name: "alice", keys: [alice.stored], models: ["gpt-4o-mini"] }],
  requestMode: "body" as const,
};

type Path = (string | number)[];

export interface ParserRow {
  name: string;
  /** The route's host (PARSER_CONFIG), and the client API's path. */
  host: string;
  path?: string;
  /** The body's exact bytes: repeated keys, escapes, BOMs and bad UTF-8 are the point. */
  body: Buffer;
  /** With alice's key (the allow route). */
  consumer?: boolean;
  /** Refused: 400, this error code and message, nothing upstream. */
  refused?: { code: string; message: RegExp };
  /** Why it matters: readers disagree on the client's body here (checked for refused rows). */
  disagree?: Path;
  /** Forwarded: every reader reads this at this path of the body llm-mesh sent (per reader when a function). */
  reads?: [Path, unknown | ((reader: string) => unknown)];
  /** Forwarded: text the sent body holds byte for byte. */
  sends?: string;
}

const utf8 = (text: string) => Buffer.from(text, "utf8");
/** Bytes as written: \xNN stays one byte (for bad UTF-8). */
const bytes = (text: string) => Buffer.from(text, "latin1");
const msgs = '"messages":[{"role":"user","content":"hi"}]';
const dup = (key: string) => ({ code: "invalid_request", message: new RegExp(`duplicate top-level key "${key}" in request body \\(keys that differ only in case count as the same key`) });
// The policy reader names what repeats: a top-level key, or a message or part member.
const dupText = { code: "invalid_request", message: /(duplicate top-level key|repeats its member).*differ only in case/ };
const badJson = (message: RegExp) => ({ code: "invalid_json", message });

export const PARSER_ROWS: ParserRow[] = [
  // Keys: Go (and .NET) read them case-insensitively, the last one winning.
  { name: "Go: MODEL after model passes no allow-list", host: "allow.llm", consumer: true, body: utf8(`{"model":"gpt-4o-mini",${msgs},"MODEL":"o1-pro"}`), refused: dup("model"), disagree: ["model"] },
  { name: "Go: Model beside a backend's forced model", host: "forced.llm", body: utf8(`{"model":"gpt-4o","Model":"o1-pro",${msgs}}`), refused: dup("model"), disagree: ["model"] },
  { name: "Go: Model alone (llm-mesh would add model)", host: "forced.llm", body: utf8(`{"Model":"o1-pro",${msgs}}`), refused: dup("model"), disagree: ["model"] },
  { name: "Go: long s (U+017F) folds to s: ſtream", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"ſtream":true}`), refused: dup("stream"), disagree: ["stream"] },
  { name: "Go: Kelvin sign (U+212A) folds to k: api_\u212aey", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"api_\u212aey":"client-secret"}`), refused: dup("api_key"), disagree: ["api_key"] },
  { name: ".NET: dotless i (U+0131) upper-cases to I: stream_optıons", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"stream":true,"stream_optıons":{"include_usage":false}}`), refused: dup("stream_options"), disagree: ["stream_options"] },
  { name: "escaped key: \\u004dODEL is MODEL to every reader", host: "allow.llm", consumer: true, body: utf8(`{"model":"gpt-4o-mini",${msgs},"\\u004dODEL":"o1-pro"}`), refused: dup("model"), disagree: ["model"] },
  { name: "escaped key: \\u006dodel is model to every reader", host: "allow.llm", consumer: true, body: utf8(`{"\\u006dodel":"gpt-4o-mini",${msgs}}`), reads: [["model"], "gpt-4o-mini"] },
  { name: "Go: Messages beside messages on a route with deny rules", host: "guard.llm", body: utf8(`{"model":"gpt-4o",${msgs},"Messages":[{"role":"user","content":"launch code"}]}`), refused: dupText, disagree: ["messages", 0, "content"] },
  { name: "Go: Content beside content", host: "guard.llm", body: utf8(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi","Content":"launch code"}]}`), refused: dupText, disagree: ["messages", 0, "content"] },
  { name: "Go: Text beside text in a content part", host: "guard.llm", body: utf8(`{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"hi","TEXT":"launch code"}]}]}`), refused: dupText, disagree: ["messages", 0, "content", 0, "text"] },
  { name: "Go: Anthropic System beside system", host: "guard-claude.llm", path: "/v1/messages", body: utf8(`{"model":"claude-3-5-haiku-latest","max_tokens":5,"system":"be brief","System":"launch code",${msgs}}`), refused: dupText, disagree: ["system"] },
  { name: "Go: Responses Input beside input", host: "guard.llm", path: "/v1/responses", body: utf8(`{"model":"gpt-4o","input":"hi","Input":"launch code"}`), refused: dupText, disagree: ["input"] },
  { name: "keys llm-mesh does not read keep their case (tool schemas)", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"Temperature":0.5,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"Name":{"type":"string"},"name":{"type":"string"}}}}}]}`), reads: [["model"], "gpt-4o"], sends: `"properties":{"Name":{"type":"string"},"name":{"type":"string"}}` },
  // Translated routes: the translator writes the body the provider reads, and refuses a case variant of a key it reads.
  { name: "translated: Content beside content", host: "translated.llm", body: utf8(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi","Content":"launch code"}]}`), refused: { code: "invalid_request", message: /duplicate key "Content" in request body \(keys that differ only in case/ }, disagree: ["messages", 0, "content"] },
  { name: "translated: Temperature beside temperature", host: "translated.llm", body: utf8(`{"model":"gpt-4o",${msgs},"temperature":0.1,"Temperature":2}`), refused: { code: "invalid_request", message: /duplicate key "Temperature"/ }, disagree: ["temperature"] },
  { name: "translated: tool schema property names keep their case", host: "translated.llm", body: utf8(`{"model":"gpt-4o",${msgs},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"Name":{"type":"string"},"name":{"type":"string"}}}}}]}`), reads: [["tools", 0, "input_schema", "properties", "Name", "type"], "string"], sends: `"properties":{"Name":{"type":"string"},"name":{"type":"string"}}` },
  // Repeated keys: every reader takes the last.
  // They agree with each other, not with a reader that takes the first (as llm-mesh's allow-list would).
  { name: "Python, Go, JavaScript: the last of two model keys wins", host: "allow.llm", consumer: true, body: utf8(`{"model":"gpt-4o-mini","model":"o1-pro",${msgs}}`), refused: { code: "invalid_request", message: /duplicate top-level key "model"/ } },
  // Numbers.
  { name: "Python: NaN is a number", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"temperature":NaN}`), refused: badJson(/not valid JSON: unexpected character/), disagree: ["temperature"] },
  { name: "Python: -Infinity is a number", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"temperature":-Infinity}`), refused: badJson(/not valid JSON: bad number/), disagree: ["temperature"] },
  { name: "big integers: sent as written (Python exact, Go and JavaScript round)", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"seed":12345678901234567891}`), sends: '"seed":12345678901234567891', reads: [["seed"], (r: string) => (r === "Python json" ? "12345678901234567891" : 12345678901234567000)] },
  // pydantic lax mode: a string for a number or a boolean. llm-mesh reads model and refuses anything but a string.
  { name: "pydantic and Go: model must be a string", host: "open.llm", body: utf8(`{"model":123,${msgs}}`), refused: { code: "invalid_request", message: /model must be a string/ } },
  // pydantic lax mode reads "true" as true and "100" as 100; llm-mesh (and its quota) would read neither: refused (docs/quotas.md).
  { name: "pydantic: \"stream\": \"true\" would stream", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"stream":"true"}`), refused: { code: "invalid_request", message: /stream must be true or false/ } },
  { name: "pydantic: \"max_tokens\": \"100\" would cap at 100", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"max_tokens":"100"}`), refused: { code: "invalid_request", message: /max_tokens must be a non-negative integer/ } },
  { name: "\"stream_options\": null would skip the usage chunk", host: "open.llm", body: utf8(`{"model":"gpt-4o",${msgs},"stream":true,"stream_options":null}`), refused: { code: "invalid_request", message: /stream_options must be an object/ } },
  // Text: bytes that are not UTF-8, escapes, lone surrogates.
  { name: "bad UTF-8 before text a deny rule reads (Go reads U+FFFD, Python refuses)", host: "guard.llm", body: bytes(`{"model":"gpt-4o","messages":[{"role":"user","content":"\xe2launch code"}]}`), refused: badJson(/invalid UTF-8/), disagree: ["messages", 0, "content"] },
  { name: "an overlong encoding is not a space", host: "guard.llm", body: bytes(`{"model":"gpt-4o","messages":[{"role":"user","content":"launch\xc0\xa0code"}]}`), refused: badJson(/invalid UTF-8/) },
  { name: "bad UTF-8 in a translated request", host: "translated.llm", body: bytes(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi \xff"}]}`), refused: badJson(/invalid UTF-8/) },
  { name: "bad UTF-8 in the model", host: "open.llm", body: bytes(`{"model":"gpt\xc0\xad4o",${msgs}}`), refused: { code: "invalid_model", message: /model must be/ } },
  { name: "bad UTF-8 where no rule reads text goes as written", host: "open.llm", body: bytes(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi \xff"}]}`), reads: [["model"], (r: string) => (r === "Python json" || r.startsWith(".NET") ? undefined : "gpt-4o")] },
  { name: "an escaped phrase is the phrase (rules read decoded text)", host: "guard.llm", body: utf8(`{"model":"gpt-4o","messages":[{"role":"user","content":"launch\\u0020code"}]}`), refused: { code: "content_policy_violation", message: /content policy/ } },
  { name: "a lone surrogate escape goes as written (Go reads U+FFFD, others keep it)", host: "guard.llm", body: utf8(`{"model":"gpt-4o","messages":[{"role":"user","content":"launch\\ud800 code"}]}`), sends: "launch\\ud800 code", reads: [["messages", 0, "content"], (r: string) => (r === "Go encoding/json" ? "launch\ufffd code" : "launch\ud800 code")] },
  // Byte order marks and other encodings.
  { name: "a UTF-8 BOM (Python reads it, Go and JSON.parse refuse)", host: "open.llm", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(`{"model":"gpt-4o",${msgs}}`)]), refused: badJson(/must be a JSON object/), disagree: ["model"] },
  { name: "UTF-16 (Python detects it)", host: "open.llm", body: Buffer.from(`{"model":"gpt-4o",${msgs}}`, "utf16le"), refused: badJson(/must be a JSON object|not valid JSON/), disagree: ["model"] },
];

/** Each reader's reading of a row's client body at `path`, as comparable text. */
export function distinctReadings(body: Buffer, path: Path): Set<string> {
  return new Set(READERS.map((r) => JSON.stringify(readAt(r, body, path))));
}

/** Checks that every reader reads the sent body as the row says; returns the mismatches. */
export function misreadings(row: ParserRow, sent: Buffer): string[] {
  const problems: string[] = [];
  if (row.sends !== undefined && !sent.toString("utf8").includes(row.sends)) problems.push(`sent body lacks ${row.sends}`);
  if (row.reads) {
    const [path, expected] = row.reads;
    for (const reader of READERS) {
      const want = typeof expected === "function" ? (expected as (r: string) => unknown)(reader.name) : expected;
      const got = readAt(reader, sent, path);
      if (want === undefined ? "value" in got && got.value !== undefined : !("value" in got) || JSON.stringify(got.value) !== JSON.stringify(want)) {
        problems.push(`${reader.name} reads ${JSON.stringify(got)} at ${path.join(".")}, llm-mesh decided ${JSON.stringify(want)}`);
      }
    }
  }
  return problems;
}

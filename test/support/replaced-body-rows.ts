// Rows for "whenever the filter replaces a body, the headers describe the new body": one per
// replacement path, run in the emulator (test/unit/replaced-body-headers.test.ts) and, except the
// failover tries, in real Envoy (test/integration/secrets.test.ts).
import { gzipSync } from "node:zlib";

export const chat = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
const gz = (text: string) => gzipSync(Buffer.from(text));
const answerJson = JSON.stringify({ id: "1", object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] });
const anthropicJson = JSON.stringify({ id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [{ type: "text", text: "hi" }], stop_reason: "end_turn", usage: { input_tokens: 1, output_tokens: 1 } });

export interface ReplacedBodyRow {
  name: string;
  /** "oa.llm": same API; "an.llm": translated to Anthropic; "try": a failover try (upstream role). */
  host: "oa.llm" | "an.llm" | "try";
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
  expect: { status: number; type: RegExp };
}

export const REPLACED_BODY_ROWS: ReplacedBodyRow[] = [
  { name: "a text/plain error becomes our JSON", host: "oa.llm", status: 500, headers: { "content-type": "text/plain" }, body: "upstream exploded", expect: { status: 500, type: /^application\/json$/ } },
  { name: "an HTML error page becomes our JSON", host: "oa.llm", status: 502, headers: { "content-type": "text/html; charset=utf-8", "content-length": "31" }, body: "<html><b>bad gateway</b></html>", expect: { status: 502, type: /^application\/json$/ } },
  { name: "a gzip JSON error becomes our JSON, uncompressed", host: "oa.llm", status: 429, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gz('{"error":{"message":"slow down"}}'), expect: { status: 429, type: /^application\/json$/ } },
  { name: "a JSON error labelled text/plain passes as JSON", host: "oa.llm", status: 400, headers: { "content-type": "text/plain" }, body: '{"error":{"message":"bad"}}', expect: { status: 400, type: /^application\/json$/ } },
  { name: "a 401 in text becomes our 502 JSON", host: "oa.llm", status: 401, headers: { "content-type": "text/plain", "content-encoding": "br" }, body: "denied", expect: { status: 502, type: /^application\/json$/ } },
  { name: "a translated error in text becomes JSON in the client's API", host: "an.llm", status: 503, headers: { "content-type": "text/plain" }, body: "overloaded", expect: { status: 503, type: /^application\/json$/ } },
  { name: "a gzip answer on a translated route becomes an uncompressed JSON error", host: "an.llm", status: 200, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gz(anthropicJson), expect: { status: 200, type: /^application\/json$/ } },
  { name: "a translated JSON answer is JSON of ours", host: "an.llm", status: 200, headers: { "content-type": "application/json", "content-length": String(anthropicJson.length) }, body: anthropicJson, expect: { status: 200, type: /^application\/json$/ } },
  { name: "a failover try's text/plain 200 becomes our 502 JSON", host: "try", status: 200, headers: { "content-type": "text/plain", "content-length": "2" }, body: "ok", expect: { status: 502, type: /^application\/json$/ } },
  { name: "a failover try's gzip 200 becomes our 502 JSON, uncompressed", host: "try", status: 200, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gz(answerJson), expect: { status: 502, type: /^application\/json$/ } },
];


// When llm-mesh answers a request itself. Envoy closes an HTTP/1 connection whose request body is
// unread when the answer goes out, so in body mode a refusal decided at request headers waits for
// the body's end (the body is dropped as it comes, never buffered); a body past the limit, or a
// declared length past it, is answered at once. Headers mode answers at headers (docs/translation.md).
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";

const config = (mode: string) => ({
  requestMode: mode, maxRequestBodyBytes: 1000,
  providers: [{ name: "oa", type: "openai", apiKeys: [{ value: "oa-key-1" }] }],
  routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "oa" }] }],
});
const chunk = "x".repeat(300);

interface Row { name: string; mode: string; headers: Record<string, string>; chunks: number; status: number; answeredAfter: "headers" | "end" | number }
const ROWS: Row[] = [
  { name: "unknown path: answered at the body's end", mode: "body", headers: { ":path": "/v1/nothing" }, chunks: 3, status: 404, answeredAfter: "end" },
  { name: "wrong method: answered at the body's end", mode: "body", headers: { ":path": "/v1/chat/completions", ":method": "PUT" }, chunks: 2, status: 405, answeredAfter: "end" },
  { name: "declared length past the limit: answered at headers", mode: "body", headers: { ":path": "/v1/chat/completions", "content-length": "5000" }, chunks: 3, status: 413, answeredAfter: "headers" },
  { name: "refused body that grows past the limit: answered once past it", mode: "body", headers: { ":path": "/v1/nothing" }, chunks: 5, status: 404, answeredAfter: 4 },
  { name: "headers mode: answered at headers (Envoy then closes an HTTP/1 connection)", mode: "headers", headers: { ":path": "/v1/nothing" }, chunks: 2, status: 404, answeredAfter: "headers" },
];

describe("local answers to requests with a body", () => {
  it.each(ROWS)("$name", async (row) => {
    const { host } = await loadFilter(config(row.mode), { allowOnHeadersStopIteration: true });
    const stream = host.createStream();
    stream.sendRequestHeaders({ ":method": "POST", ":authority": "llm.local", "content-type": "application/json", ...row.headers });
    expect(stream.localResponse !== null, "after headers").toBe(row.answeredAfter === "headers");
    for (let i = 1; i <= row.chunks; i++) {
      stream.sendRequestBody(chunk, i === row.chunks);
      const due = row.answeredAfter === "headers" || (row.answeredAfter === "end" ? i === row.chunks : i >= (row.answeredAfter as number));
      expect(stream.localResponse !== null, `after chunk ${i}`).toBe(due);
    }
    expect(stream.localResponse!.status).toBe(row.status);
    expect(stream.upstreamHeaders).toBeNull();
  });
});

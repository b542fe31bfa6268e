// Hostile MCP traffic from both sides must never trap the VM or let an unchecked message through:
// mutated JSON-RPC requests (a request is sent on only when it is one valid message whose call the
// caller may make, agreeing with JSON.parse), and mutated server answers split at random points
// (what reaches the client is the same whatever the chunking, and never lists a tool the caller
// may not use).
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { loadFilter } from "../support/filter.js";
import { mutate, rng } from "../support/random.js";

const key = newKey();
const CONFIG = {
  requestMode: "body",
  providers: [{ name: "srv", type: "mcp", host: "mcp.local", basePath: "/mcp", apiKeys: [{ value: "server-token" }] }],
  routes: [{ name: "tools", match: { host: "mcp.local" }, backends: [{ provider: "srv" }], mcp: { maxMessageBytes: 4096 }, policy: { mask: [{ builtin: "email" }] } }],
  consumers: [{ name: "agent", keys: [key.stored], mcp: [{ server: "srv", tools: ["read_*"] }] }],
};
const NOISE = ['"', "\\", "{", "}", "[", "]", ":", ",", "u", "0", " ", "\n", "\r", "data:", "id", "jsonrpc", "Method", '"name"', "é", "\u0000"];
const REQUESTS = [
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"/a","to":"x@y.com"}}}',
  '{"jsonrpc":"2.0","id":"a","method":"tools/list","params":{"cursor":"c"}}',
  '{"jsonrpc":"2.0","method":"notifications/initialized"}',
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"write_file"}}',
];
const TOOLS = '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file"},{"name":"write_file"},{"name":"read_dir","inputSchema":{}}]}}';

/** The tools a client's reader sees listed: JSON.parse of the body, or of each SSE event's data (the EventSource algorithm). */
function listedTools(body: string, sse: boolean): string[] {
  const messages: string[] = [];
  if (!sse) messages.push(body);
  else {
    for (const event of body.split(/\r\n\r\n|\n\n|\r\r/)) {
      const data = event.split(/\r\n|\n|\r/).filter((l) => l === "data" || l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
      if (data.length > 0) messages.push(data.join("\n"));
    }
  }
  const names: string[] = [];
  for (const text of messages) {
    let message: any;
    try { message = JSON.parse(text); } catch { continue; }
    const list = message?.result?.tools;
    if (Array.isArray(list)) for (const tool of list) names.push(String(tool?.name));
  }
  return names;
}

describe("MCP fuzz", () => {
  it("survives 6,000 mutated JSON-RPC requests; sends only valid messages the caller may make", async () => {
    const { host } = await loadFilter(CONFIG, { allowOnHeadersStopIteration: true });
    const random = rng(0x3c9);
    let sent = 0;
    for (let i = 0; i < 6000; i++) {
      const body = mutate(REQUESTS[i % REQUESTS.length], random, NOISE);
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.local", authorization: `Bearer ${key.key}`, "mcp-protocol-version": "2025-06-18" }, body, 1 + Math.floor(random() * 48));
      expect(host.trap, `#${i} ${JSON.stringify(body)}`).toBeNull();
      if (s.localResponse) {
        const answer = JSON.parse(s.localResponse.body);
        expect(answer.jsonrpc).toBe("2.0");
        expect(typeof answer.error.code).toBe("number");
      } else {
        sent++;
        const message = JSON.parse(s.upstreamBodyText());
        expect(message.jsonrpc, body).toBe("2.0");
        if (message.method === "tools/call") expect(message.params.name, body).toMatch(/^read_/);
      }
      s.complete();
    }
    expect(sent).toBeGreaterThan(300);
  });

  it("survives 3,000 mutated answers, JSON and SSE, split anywhere: the same bytes reach the client, and no tool outside the list", async () => {
    const { host } = await loadFilter(CONFIG, { allowOnHeadersStopIteration: true });
    const random = rng(0x51f7);
    const run = (answer: string, sse: boolean, cut: number[]): string => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.local", authorization: `Bearer ${key.key}` }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
      s.sendResponseHeaders({ ":status": "200", "content-type": sse ? "text/event-stream" : "application/json" });
      let at = 0;
      for (const c of [...cut, answer.length]) { s.sendResponseBody(answer.slice(at, c), c === answer.length); at = c; }
      expect(host.trap, JSON.stringify(answer)).toBeNull();
      const out = s.downstreamBodyText();
      s.complete();
      return out;
    };
    for (let i = 0; i < 3000; i++) {
      const sse = i % 2 === 1;
      const message = mutate(TOOLS, random, NOISE, 2);
      const answer = sse ? `id: e${i}\ndata: ${message}\n\n${random() < 0.5 ? "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n" : ""}` : message;
      const whole = run(answer, sse, []);
      const cuts = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.floor(random() * answer.length)))].sort((a, b) => a - b);
      expect(run(answer, sse, cuts), `cut at ${cuts} of ${JSON.stringify(answer)}`).toBe(whole);
      for (const name of listedTools(whole, sse)) expect(name, JSON.stringify(answer)).toMatch(/^read_/);
    }
  });
});

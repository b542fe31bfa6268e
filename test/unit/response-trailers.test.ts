// Answers that end with trailers (HTTP/2, gRPC-style servers): no body callback says end of stream,
// so an answer held to be read whole (a translation, an MCP answer) is read at the trailers instead
// of passing on as it came (proxy_on_response_trailers).
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";
import { CLAUDE_ROUTE_CONFIG } from "../support/fixtures.js";

const ANTHROPIC_ANSWER = JSON.stringify({
  id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "hi there" }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 2 },
});

describe("answers that end with trailers", () => {
  it("a translated JSON answer is translated at the trailers", async () => {
    const { host } = await loadFilter(CLAUDE_ROUTE_CONFIG, { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", "content-type": "application/json" }, JSON.stringify({ messages: [{ role: "user", content: "hi" }] }));
    expect(s.localResponse).toBeNull();
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(ANTHROPIC_ANSWER.slice(0, 50));
    s.sendResponseBody(ANTHROPIC_ANSWER.slice(50));
    s.sendResponseTrailers({ "x-trailer": "1" });
    const answer = JSON.parse(s.downstreamBodyText());
    expect(answer.object).toBe("chat.completion");
    expect(answer.choices[0].message.content).toBe("hi there");
  });

  it("an MCP list answer is filtered at the trailers", async () => {
    const { host } = await loadFilter({
      requestMode: "body",
      providers: [{ name: "gh", type: "mcp", host: "mcp.local", basePath: "/mcp" }],
      routes: [{ name: "tools", match: { host: "mcp.local" }, backends: [{ provider: "gh" }], mcp: { tools: ["get_*"] } }],
    }, { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.local" }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody('{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"get_issue"},{"name":"delete_repo"}]}}');
    s.sendResponseTrailers({ "grpc-status": "0" });
    expect(JSON.parse(s.downstreamBodyText()).result.tools).toEqual([{ name: "get_issue" }]);
  });

  it("an answer passed as it comes is not read again at the trailers", async () => {
    const { host } = await loadFilter({
      requestMode: "body",
      providers: [{ name: "oa", type: "openai", apiKeys: [{ value: "sk-test" }] }],
      routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "oa" }] }],
      metrics: { enabled: false },
    }, { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/plain" });
    s.sendResponseBody("plain answer");
    s.sendResponseTrailers({ "x-trailer": "1" });
    expect(s.downstreamBodyText()).toBe("plain answer");
  });
});

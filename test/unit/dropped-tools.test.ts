// Hosted tools a translated route drops: named in x-llm-mesh-dropped-tools and counted in
// llm_mesh_dropped_tools_total{llm_mesh_route, llm_mesh_tool}, with bounded labels; a
// hostedTools: "refuse" route answers 400 and counts nothing.
import { describe, expect, it } from "vitest";
import { json, loadFilter } from "../support/filter.js";
import { TRANSLATE_CONFIG } from "../support/fixtures.js";

const CHAT_ANSWER = { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "ok" } }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };

const ROWS = [
  { name: "two requests dropping web_search, one also an unknown type: counted per route and tool, the unknown as other",
    host: "groq.llm", requests: [[{ type: "web_search" }], [{ type: "web_search" }, { type: "made-up;type" }]],
    status: 200, headers: ["web_search", "web_search,other"], counts: [["groq", "other", 1], ["groq", "web_search", 2]] },
  { name: "function and namespace tools only: no header, nothing counted",
    host: "groq.llm", requests: [[{ type: "function", name: "f" }, { type: "namespace", name: "ns", tools: [{ type: "function", name: "g" }] }]],
    status: 200, headers: [undefined], counts: [] },
  { name: "web_search where the backend searches itself (Anthropic's server tool): mapped, not named, not counted; file_search still is",
    host: "claude.llm", requests: [[{ type: "web_search" }, { type: "function", name: "f" }], [{ type: "web_search_preview" }, { type: "file_search" }]],
    status: 200, headers: [undefined, "file_search"], counts: [["claude", "file_search", 1]] },
  { name: "a hostedTools: refuse route: 400, no header, nothing counted",
    host: "strict-tools.llm", requests: [[{ type: "file_search" }]],
    status: 400, headers: [undefined], counts: [] },
];

describe("dropped hosted tools: header and metric", () => {
  it.each(ROWS)("$name", async ({ host: authority, requests, status, headers, counts }) => {
    const { host } = await loadFilter(TRANSLATE_CONFIG);
    requests.forEach((tools, i) => {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/responses", ":authority": authority, ":scheme": "http", "content-type": "application/json" },
        JSON.stringify({ model: "claude-sonnet-4-5", input: "x", tools }));
      if (status === 400) {
        expect(stream.localResponse?.status).toBe(400);
        expect((json(stream.localResponse!.body) as { error: { message: string } }).error.message).toMatch(/hostedTools is "refuse"/);
        return;
      }
      const body = JSON.stringify(CHAT_ANSWER);
      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": String(body.length) });
      stream.sendResponseBody(Buffer.from(body), true);
      expect(stream.responseHeader("x-llm-mesh-dropped-tools")).toBe(headers[i]);
    });
    const got = host.labelled("llm_mesh.dropped_tools.total").map((m) => [m.labels.llm_mesh_route, m.labels.llm_mesh_tool, Number(m.value)]);
    expect(got.sort()).toEqual(counts);
  });
});

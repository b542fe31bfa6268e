// Whenever the filter replaces a provider's body, the headers describe the new body: its type, no
// content-encoding, and no content-length (or an exact one). One row per replacement path.
import { describe, expect, it } from "vitest";
import { HttpStream } from "../../src-host-tools/host/emulator.js";
import { loadFilter } from "../support/filter.js";
import { REPLACED_BODY_ROWS as rows, ReplacedBodyRow as Row, chat } from "../support/replaced-body-rows.js";
import { SECRET_ENV, secretsConfig } from "../support/secret-rows.js";

const tryConfig = {
  role: "upstream", requestMode: "body",
  providers: [{ name: "alpha", type: "openai-compatible", host: "alpha.test", apiKeys: [{ value: "alpha-key-1" }] }],
  routes: [{ name: "chat", match: { host: "llm.local" }, backends: [{ provider: "alpha", model: "m" }], failover: { attempts: 2 } }],
};

async function start(row: Row): Promise<HttpStream> {
  if (row.host === "try") {
    const { host } = await loadFilter(tryConfig, { allowOnHeadersStopIteration: true });
    const stream = host.createStream({ "xds.upstream_host_metadata.filter_metadata.llm-mesh.backend": "chat/0", "xds.cluster_name": "llm-mesh-failover|chat", "llm_mesh.pool": "chat" });
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "chat.failover.llm-mesh.internal", "content-type": "application/json" }, chat);
    return stream;
  }
  const { host } = await loadFilter(secretsConfig(false), { env: SECRET_ENV, allowOnHeadersStopIteration: true });
  const stream = host.createStream();
  stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": row.host, "content-type": "application/json" }, chat);
  return stream;
}

describe("a replaced body has headers that describe it", () => {
  it.each(rows)("$name", async (row) => {
    const stream = await start(row);
    expect(stream.localResponse).toBeNull();
    stream.sendResponseHeaders({ ":status": String(row.status), ...row.headers });
    stream.sendResponseBody(row.body, true);
    const body = stream.downstreamBodyText();
    expect(stream.responseHeader(":status")).toBe(String(row.expect.status));
    expect(stream.responseHeader("content-type")).toMatch(row.expect.type);
    expect(stream.responseHeader("content-encoding")).toBeUndefined();
    const length = stream.responseHeader("content-length");
    if (length !== undefined) expect(Number(length)).toBe(Buffer.byteLength(body));
    expect(() => JSON.parse(body), body).not.toThrow();
  });
});

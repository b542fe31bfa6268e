// Failover in the host emulator: the downstream filter sends a failover route's request to its
// pool unrewritten; the upstream role rewrites each try for the backend its endpoint names, rests
// keys after 429, holds answers until they can no longer be retried; downstream, Envoy's own
// answers become errors in the client's API naming the backends tried.
import { describe, expect, it } from "vitest";
import { HostEmulator, HttpStream } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";

const config = {
  providers: [
    { name: "alpha", type: "openai-compatible", host: "alpha.test", apiKeys: [{ value: "alpha-key-1" }, { value: "alpha-key-2" }] },
    { name: "claude", type: "anthropic", apiKeys: [{ value: "claude-key" }] },
  ],
  routes: [
    { name: "chat", match: { host: "llm.local" }, backends: [{ provider: "alpha", model: "alpha-model" }, { provider: "claude", model: "claude-sonnet-4-5" }],
      failover: { attempts: 3, rateLimitBackoffMs: 20_000 } },
  ],
};
const CHAT = JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] });
const REQUEST = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "chat.failover.llm-mesh.internal", ":scheme": "http", "content-type": "application/json" };
const POOL = "llm-mesh-failover|chat";
const endpoint = (backend: string, cluster = POOL, pooledBy = "chat") => ({ "xds.upstream_host_metadata.filter_metadata.llm-mesh.backend": backend, "xds.cluster_name": cluster, "llm_mesh.pool": pooledBy });

class Clock { ms = 1_800_000_000_000; now = () => BigInt(this.ms) * 1_000_000n; }

async function upstreamRole(clock = new Clock()): Promise<HostEmulator> {
  const { host, configured } = await loadFilter({ ...config, role: "upstream", requestMode: "body" }, { allowOnHeadersStopIteration: true, clock: clock.now });
  expect(configured).toBe(true);
  return host;
}

function tryOn(host: HostEmulator, backend: string, headers: Record<string, string> = {}, cluster = POOL): HttpStream {
  const stream = host.createStream(endpoint(backend, cluster));
  stream.sendRequest({ ...REQUEST, ...headers }, CHAT);
  return stream;
}

describe("a failover try, rewritten upstream for the backend Envoy picked", () => {
  it.each([
    { backend: "chat/0", authority: "alpha.test", path: "/v1/chat/completions", auth: ["authorization", "Bearer alpha-key-1"], model: "alpha-model" },
    { backend: "chat/1", authority: "api.anthropic.com", path: "/v1/messages", auth: ["x-api-key", "claude-key"], model: "claude-sonnet-4-5" },
  ])("endpoint $backend: its provider's authority, path, key and model (translated where its API differs)", async ({ backend, authority, path, auth, model }) => {
    const host = await upstreamRole();
    const stream = tryOn(host, backend, { authorization: "Bearer client-held-secret" });
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader(":authority")).toBe(authority);
    expect(stream.requestHeader(":path")).toBe(path);
    expect(stream.requestHeader(auth[0])).toBe(auth[1]);
    expect(JSON.stringify(stream.upstreamHeaders)).not.toContain("client-held-secret");
    const body = json(stream.upstreamBodyText()) as Record<string, unknown>;
    expect(body.model).toBe(model);
    if (backend === "chat/1") expect(body.max_tokens).toBe(4096);
    expect(stream.properties["llm_mesh.tried"]).toBe(backend === "chat/0" ? "alpha" : "claude");
  });

  it.each([
    { name: "an endpoint without llm-mesh metadata: untouched, no key", props: { "xds.cluster_name": POOL }, status: null },
    { name: "an endpoint naming a backend the config lacks: 421, no key", props: endpoint("chat/7"), status: 421 },
    { name: "an endpoint naming an unknown route: 421, no key", props: endpoint("other/0"), status: 421 },
    { name: "an endpoint outside the route's pool cluster: 421, no key", props: endpoint("chat/0", "outbound|443||alpha.test"), status: 421 },
    { name: "a request a client sent to the pool's authority itself (skipping the route's match): 421, no key", props: endpoint("chat/0", POOL, ""), status: 421 },
  ])("$name", async ({ props, status }) => {
    const host = await upstreamRole();
    const stream = host.createStream(props);
    stream.sendRequest(REQUEST, CHAT);
    if (status === null) {
      expect(stream.localResponse).toBeNull();
      expect(stream.upstreamBodyText()).toBe(CHAT);
      expect(stream.requestHeader("authorization")).toBeUndefined();
    } else {
      expect(stream.localResponse?.status).toBe(status);
      expect((json(stream.localResponse!.body) as any).error.message).toMatch(/llm-mesh added no provider key/);
    }
    expect(JSON.stringify(stream.upstreamHeaders ?? [])).not.toMatch(/alpha-key|claude-key/);
  });

  it("a key answering 429 rests for its Retry-After; with none left the try shows Envoy 503 and keeps 429 for the client", async () => {
    const clock = new Clock();
    const host = await upstreamRole(clock);
    const answer = (stream: HttpStream, status: string, headers: Record<string, string> = {}) =>
      stream.sendResponseHeaders({ ":status": status, "content-type": "application/json", ...headers });
    // Key 1 is limited for 30 s: the next try uses key 2, and so does the one after.
    let stream = tryOn(host, "chat/0");
    expect(stream.requestHeader("authorization")).toBe("Bearer alpha-key-1");
    answer(stream, "429", { "retry-after": "30" });
    expect(stream.responseHeader(":status")).toBe("429"); // another key is free: Envoy tries again, no ejection
    stream.complete();
    for (let i = 0; i < 2; i++) {
      stream = tryOn(host, "chat/0");
      expect(stream.requestHeader("authorization")).toBe("Bearer alpha-key-2");
      stream.complete();
    }
    // Key 2 limited too (no Retry-After: the policy's 20 s): the provider has no key left.
    stream = tryOn(host, "chat/0");
    answer(stream, "429");
    expect(stream.responseHeader(":status")).toBe("503");
    expect(stream.responseHeader("x-llm-mesh-status")).toBe("429");
    stream.complete();
    // After 21 s key 2 is back (key 1 rests until 30 s); after 31 s both take turns again.
    clock.ms += 21_000;
    expect(tryOn(host, "chat/0").requestHeader("authorization")).toBe("Bearer alpha-key-2");
    clock.ms += 10_000;
    const keys = [tryOn(host, "chat/0"), tryOn(host, "chat/0")].map((s) => s.requestHeader("authorization"));
    expect(keys.sort()).toEqual(["Bearer alpha-key-1", "Bearer alpha-key-2"]);
  });

  it("a provider's own x-llm-mesh-status never reaches the downstream filter", async () => {
    const host = await upstreamRole();
    const stream = tryOn(host, "chat/0");
    stream.sendResponseHeaders({ ":status": "503", "content-type": "application/json", "x-llm-mesh-status": "200" });
    expect(stream.responseHeader("x-llm-mesh-status")).toBeUndefined();
    expect(stream.responseHeader("x-llm-mesh-backends-tried")).toBe("alpha");
  });

  it("a JSON answer is held whole: the headers wait for its end; one cut short is shown as 502 in the client's shape", async () => {
    const host = await upstreamRole();
    const whole = JSON.stringify({ id: "1", object: "chat.completion", model: "alpha-model", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] });
    for (const [text, status] of [[whole, "200"], [whole.slice(0, 30), "502"]] as const) {
      const stream = tryOn(host, "chat/0");
      expect(stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" })).toBe(1); // StopIteration
      stream.sendResponseBody(text.slice(0, 10));
      expect(stream.downstreamHeaders).toBeNull();
      stream.sendResponseBody(text.slice(10), true);
      expect(stream.responseHeader(":status")).toBe(status);
      if (status === "200") expect(stream.downstreamBodyText()).toBe(whole);
      else expect((json(stream.downstreamBodyText()) as any).error.code).toBe("llm_mesh.translate_failed");
    }
  });

  it("a stream is held to its first chunk, then flows", async () => {
    const host = await upstreamRole();
    const stream = tryOn(host, "chat/0");
    expect(stream.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" })).toBe(1);
    expect(stream.downstreamHeaders).toBeNull();
    stream.sendResponseBody('data: {"choices":[{"index":0,"delta":{"content":"h"},"finish_reason":null}]}\n\n');
    expect(stream.downstreamHeaders).not.toBeNull();
    expect(stream.downstreamBodyText()).toContain('"content":"h"');
  });
});

async function downstream(mode: "body" | "headers" = "body") {
  const { host, configured } = await loadFilter({ ...config, requestMode: mode }, { allowOnHeadersStopIteration: mode === "body" });
  expect(configured).toBe(true);
  return host;
}

describe("a failover route's request and Envoy's answers, downstream", () => {
  it.each(["body", "headers"] as const)("%s mode: sent to the pool's authority as the client wrote it, its credentials removed, no key", async (mode) => {
    const host = await downstream(mode);
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":authority": "llm.local", authorization: "Bearer client-held-secret", "x-api-key": "client-held-secret" }, CHAT);
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader(":authority")).toBe("chat.failover.llm-mesh.internal");
    expect(stream.properties["llm_mesh.pool"]).toBe("chat");
    expect(stream.upstreamBodyText()).toBe(CHAT);
    expect(JSON.stringify(stream.upstreamHeaders)).not.toMatch(/client-held-secret|alpha-key|claude-key/);
  });

  it("a request one of the route's backends cannot serve is refused before any try (the answer would depend on the draw)", async () => {
    const host = await downstream();
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":authority": "llm.local", ":path": "/v1/embeddings" }, JSON.stringify({ model: "any", input: "x" }));
    expect(stream.localResponse?.status).toBe(400);
    expect((json(stream.localResponse!.body) as any).error.message).toContain('may send this request to provider "claude"');
  });

  const ENVOY_ANSWERS = [
    { details: "no_healthy_upstream", status: "503", code: "all_backends_failed", text: /every backend is ejected/ },
    { details: "upstream_per_try_idle_timeout", status: "504", code: "upstream_timeout", text: /no backend answered in time/ },
    { details: "response_timeout", status: "504", code: "upstream_timeout", text: /no backend answered in time/ },
    { details: "upstream_reset_before_response_started{remote_connection_failure}", status: "502", code: "upstream_unreachable", text: /failed before an answer started/ },
  ];
  it.each(ENVOY_ANSWERS)("Envoy's own answer ($details) becomes $status $code, naming the backends tried, in each client's shape", async ({ details, status, code, text }) => {
    const host = await downstream();
    for (const anthropic of [false, true]) {
      const stream = host.createStream();
      stream.sendRequest({ ...REQUEST, ":authority": "llm.local", ...(anthropic ? { ":path": "/v1/messages", "anthropic-version": "2023-06-01" } : {}) },
        anthropic ? JSON.stringify({ model: "any", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }) : CHAT);
      stream.properties["llm_mesh.tried"] = "alpha,claude";
      stream.properties["response.code_details"] = details;
      stream.sendResponseHeaders({ ":status": "503", "content-type": "text/plain", "content-length": "19" });
      stream.sendResponseBody("no healthy upstream", true);
      expect(stream.responseHeader(":status")).toBe(status);
      expect(stream.responseHeader("content-type")).toBe("application/json");
      const body = json(stream.downstreamBodyText()) as any;
      if (anthropic) { expect(body.type).toBe("error"); expect(body.error.message).toMatch(text); }
      else { expect(body.error.code).toBe(code); expect(body.error.message).toMatch(text); }
      expect(JSON.stringify(body)).toContain("backends tried: alpha, claude");
    }
  });

  it("a try's answer passes as the try left it, with the status it showed Envoy restored", async () => {
    const host = await downstream();
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":authority": "llm.local" }, CHAT);
    stream.properties["llm_mesh.tried"] = "alpha";
    stream.properties["response.code_details"] = "via_upstream";
    stream.sendResponseHeaders({ ":status": "503", "x-llm-mesh-status": "429", "content-type": "application/json", "retry-after": "7" });
    stream.sendResponseBody('{"error":{"message":"slow down"}}', true);
    expect(stream.responseHeader(":status")).toBe("429");
    expect(stream.responseHeader("x-llm-mesh-status")).toBeUndefined();
    expect(stream.responseHeader("retry-after")).toBe("7");
    expect(stream.downstreamBodyText()).toBe('{"error":{"message":"slow down"}}');
  });

  it("an answer no llm-mesh try made (a pool cluster without the upstream filter) is replaced: nothing keyless passes as success", async () => {
    const host = await downstream();
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":authority": "llm.local" }, CHAT);
    stream.properties["response.code_details"] = "via_upstream";
    stream.sendResponseHeaders({ ":status": "401", "content-type": "application/json" });
    stream.sendResponseBody('{"error":"no key"}', true);
    expect(stream.responseHeader(":status")).toBe("500");
    expect((json(stream.downstreamBodyText()) as any).error.code).toBe("llm_mesh.pool_without_filter");
  });
});

describe("keys rest after a 429 on every route whose provider has several", () => {
  it.each(["body", "headers"] as const)("%s mode: a plain route skips the resting key until its Retry-After ends", async (mode) => {
    const clock = new Clock();
    const plain = { providers: [config.providers[0]], routes: [{ name: "plain", match: { host: "alpha.test" }, backends: [{ provider: "alpha" }] }], requestMode: mode };
    const { host } = await loadFilter(plain, { allowOnHeadersStopIteration: mode === "body", clock: clock.now });
    const send = () => {
      const stream = host.createStream();
      stream.sendRequest({ ...REQUEST, ":authority": "alpha.test" }, CHAT);
      return stream;
    };
    const first = send();
    expect(first.requestHeader("authorization")).toBe("Bearer alpha-key-1");
    first.sendResponseHeaders({ ":status": "429", "retry-after": "10", "content-type": "application/json" });
    // The client gets the 429 (no failover on this route), and key 1 rests for 10 s.
    expect(first.responseHeader(":status")).toBe("429");
    const during = [send(), send(), send()].map((s) => s.requestHeader("authorization"));
    expect(during).toEqual(["Bearer alpha-key-2", "Bearer alpha-key-2", "Bearer alpha-key-2"]);
    clock.ms += 11_000;
    const after = [send(), send()].map((s) => s.requestHeader("authorization")).sort();
    expect(after).toEqual(["Bearer alpha-key-1", "Bearer alpha-key-2"]);
  });
});

describe("Envoy's own answers on a plain route", () => {
  it.each([
    { details: "upstream_reset_before_response_started{connection_failure}", status: "502", code: "upstream_unreachable" },
    { details: "response_timeout", status: "504", code: "upstream_timeout" },
    { details: "via_upstream", status: "503", code: "provider_error" }, // the provider's own non-JSON 503: still the provider's
  ])("$details → $status $code, naming the provider", async ({ details, status, code }) => {
    const plain = { providers: [config.providers[0]], routes: [{ name: "plain", match: { host: "alpha.test" }, backends: [{ provider: "alpha" }] }], requestMode: "body" };
    const { host } = await loadFilter(plain, { allowOnHeadersStopIteration: true });
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":authority": "alpha.test" }, CHAT);
    stream.properties["response.code_details"] = details;
    stream.sendResponseHeaders({ ":status": "503", "content-type": "text/plain" });
    stream.sendResponseBody("upstream connect error or disconnect/reset before headers", true);
    expect(stream.responseHeader(":status")).toBe(status);
    const body = json(stream.downstreamBodyText()) as any;
    expect(body.error.code).toBe(code);
    expect(body.error.message).toContain('"alpha"');
    expect(stream.responseHeader("x-llm-mesh-provider")).toBe("alpha");
  });
});

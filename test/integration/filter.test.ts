// The filter inside real Envoy (V8), in front of mock providers that check each provider's API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { runEnvoyToExit } from "../../src-host-tools/envoy/process.js";
import { WASM_PATH } from "../support/filter.js";
import { pool, send, Stack, startStack } from "../support/envoy.js";

const pluginConfig = {
  maxRequestBodyBytes: 65536,
  providers: [
    // Key from Envoy's own environment, as Istio's vmConfig.env valueFrom HOST passes a Secret.
    { name: "dashscope", type: "dashscope", apiKeys: [{ env: "DASHSCOPE_API_KEY" }], defaults: { model: "qwen-1.8b-chat", stream: false } },
    // Key from vm_config.environment_variables.key_values.
    { name: "openai", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] },
    { name: "deepseek", type: "deepseek", apiKeys: [{ value: "test-deepseek-key" }] },
    { name: "azure", type: "azure-openai", host: "acme.openai.azure.com", apiKeys: [{ value: "test-azure-key" }] },
    // Same host as openai, with a key the provider refuses.
    { name: "openai-stale", type: "openai", apiKeys: [{ value: "test-stale-key" }] },
  ],
  routes: [
    { name: "vip-route", match: { host: "dashscope.aliyuncs.com", headers: [{ name: "user-type", exact: "subscriber" }] }, backends: [{ provider: "dashscope", model: "qwen-turbo" }] },
    { name: "dashscope", match: { host: "dashscope.aliyuncs.com" }, backends: [{ provider: "dashscope" }] },
    { name: "split", match: { host: "split.llm.internal" }, backends: [{ provider: "openai", weight: 70, model: "gpt-4o-mini" }, { provider: "deepseek", weight: 30, model: "deepseek-chat" }] },
    { name: "mapped", match: { host: "llm.internal" }, backends: [{ provider: "openai" }], modelMapping: { "gpt-4": "gpt-4o", "gpt-3.5*": "gpt-4o-mini" } },
    { name: "azure", match: { host: "azure.llm.internal" }, backends: [{ provider: "azure", model: "gpt-4o" }] },
    { name: "stale", match: { host: "stale.llm.internal" }, backends: [{ provider: "openai-stale" }] },
  ],
};

const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ messages: [{ role: "user", content: "hello" }], ...extra });

describe.each(["body", "headers"] as const)("llm-mesh in real Envoy, %s mode", (requestMode) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(pluginConfig, {
      requestMode,
      env: { values: { OPENAI_API_KEY: "test-openai-key" }, fromHost: ["DASHSCOPE_API_KEY"] },
      processEnv: { DASHSCOPE_API_KEY: "test-dashscope-key" },
      acceptedKeys: { dashscope: ["test-dashscope-key"], openai: ["test-openai-key"], deepseek: ["test-deepseek-key"], azure: ["test-azure-key"] },
    });
  });
  afterAll(async () => { await stack?.stop(); });

  const last = () => stack.mock.received[stack.mock.received.length - 1];

  it("loads in V8 and logs the loaded configuration", () => {
    expect(stack.envoy.logs()).toContain(`llm-mesh: configuration loaded: 5 providers, 6 routes, request mode ${requestMode}`);
  });

  it("ASM routeSpecificConfigs: the subscriber header gets qwen-turbo", async () => {
    const reply = await send(stack.envoy.url, { host: "dashscope.aliyuncs.com", path: "/", headers: { "user-type": "subscriber" }, body: chat() });
    expect(reply.status, reply.body).toBe(200);
    expect(reply.json().model).toBe("qwen-turbo");
    expect(reply.headers["x-llm-mesh-model"]).toBe("qwen-turbo");
    expect(reply.headers["x-llm-mesh-provider"]).toBe("dashscope");
    const got = last();
    expect(got.path).toBe("/compatible-mode/v1/chat/completions");
    expect(got.headers.authorization).toBe("Bearer test-dashscope-key");
    expect(got.body).toEqual({ messages: [{ role: "user", content: "hello" }], model: "qwen-turbo", stream: false });
  });

  it("ASM default config: other users get qwen-1.8b-chat", async () => {
    const reply = await send(stack.envoy.url, { host: "dashscope.aliyuncs.com", headers: { "user-type": "free" }, body: chat() });
    expect(reply.status, reply.body).toBe(200);
    expect(last().body?.model).toBe("qwen-1.8b-chat");
  });

  it("re-selects the Envoy route on the rewritten authority", async () => {
    // split.llm.internal routes to OpenAI's cluster; a request rewritten for DeepSeek must be
    // counted by DeepSeek's cluster, which only re-selection can reach.
    const stat = async () => {
      const text = await (await fetch(`${stack.envoy.adminUrl}/stats?filter=upstream_rq_total$`)).text();
      return Number(/cluster\.outbound\|443\|\|api\.deepseek\.com\.upstream_rq_total: (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await stat();
    const seen = stack.mock.received.length;
    const replies = await pool(40, 4, () => send(stack.envoy.url, { host: "split.llm.internal", body: chat() }));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const toDeepSeek = stack.mock.received.slice(seen).filter((r) => r.headers.host === "api.deepseek.com").length;
    expect(toDeepSeek).toBeGreaterThan(0);
    expect(await stat()).toBe(before + toDeepSeek);
  });

  it("refuses a model that would split a header (CR LF) with a 400 in OpenAI's format", async () => {
    const reply = await send(stack.envoy.url, { host: "llm.internal", body: JSON.stringify({ model: "gpt-4\r\nx-evil: 1", messages: [] }) });
    expect(reply.status).toBe(400);
    expect(reply.json().error).toMatchObject({ type: "invalid_request_error", code: "invalid_model" });
    expect(reply.headers["x-evil"]).toBeUndefined();
    expect(reply.headers["x-llm-mesh-model"]).toBeUndefined();
  });

  it("sends a curl -d body (form content type) as application/json", async () => {
    const reply = await send(stack.envoy.url, { host: "llm.internal", headers: { "content-type": "application/x-www-form-urlencoded" }, body: chat({ model: "gpt-4o" }) });
    expect(reply.status, reply.body).toBe(200);
    expect(last().headers["content-type"]).toBe("application/json");
  });

  it("answers GET /v1/models with the route's models, in OpenAI's list format", async () => {
    const reply = await send(stack.envoy.url, { host: "llm.internal", method: "GET", path: "/v1/models" });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ object: "list", data: ["gpt-4", "gpt-4o", "gpt-4o-mini"].map((id) => ({ id, object: "model", created: 0, owned_by: "openai" })) });
  });

  it("turns a provider's 401 (the mesh's key refused) into a 502 that names the provider, not the key", async () => {
    const reply = await send(stack.envoy.url, { host: "stale.llm.internal", body: chat({ model: "gpt-4o" }) });
    expect(reply.status).toBe(502);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.json().error).toMatchObject({ code: "provider_auth_failed", type: "server_error" });
    expect(reply.body).not.toContain("test-stale-key");
  });

  it("leaves requests that match no llm-mesh route alone", async () => {
    const reply = await send(stack.envoy.url, { host: "unrelated.example", body: chat({ model: "gpt-4" }) });
    expect(reply.status).toBe(404);
    expect(reply.body).toContain("no llm-mesh route matched");
  });

  it.each([["gpt-4", "gpt-4o"], ["gpt-3.5-turbo", "gpt-4o-mini"], ["o3-mini", "o3-mini"]])("maps model %s to %s", async (from, to) => {
    const reply = await send(stack.envoy.url, { host: "llm.internal", body: chat({ model: from }) });
    expect(reply.status, reply.body).toBe(200);
    expect(last().body?.model).toBe(to);
    expect(reply.headers["x-llm-mesh-model"]).toBe(to);
  });

  it("strips every client credential and injects the provider key from the VM environment", async () => {
    const reply = await send(stack.envoy.url, {
      host: "llm.internal",
      headers: {
        authorization: "Bearer sk-client-own", "x-api-key": "client-x", "api-key": "client-az", "proxy-authorization": "Basic Y2xpZW50",
        cookie: "session=client", "x-auth-token": "client-token", "openai-organization": "org-client", "openai-project": "proj-client",
      },
      body: chat({ model: "gpt-4o", api_key: "client-body-key" }),
    });
    expect(reply.status, reply.body).toBe(200);
    const got = last();
    expect(got.headers.authorization).toBe("Bearer test-openai-key");
    for (const name of ["x-api-key", "api-key", "proxy-authorization", "cookie", "x-auth-token", "openai-organization", "openai-project"]) {
      expect(got.headers[name], name).toBeUndefined();
    }
    expect(got.rawBody).not.toContain("client-body-key");
  });

  it("Azure: deployment in the path, api-version query, api-key header", async () => {
    const reply = await send(stack.envoy.url, { host: "azure.llm.internal", body: chat() });
    expect(reply.status, reply.body).toBe(200);
    const got = last();
    expect(got.headers.host).toBe("acme.openai.azure.com");
    expect(got.path).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(got.query.get("api-version")).toBe("2024-10-21");
    expect(got.headers["api-key"]).toBe("test-azure-key");
    expect(got.headers.authorization).toBeUndefined();
  });

  it("streams SSE responses back unchanged", async () => {
    const reply = await send(stack.envoy.url, { host: "llm.internal", body: chat({ model: "gpt-4o", stream: true }) });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/event-stream");
    const events = reply.body.split("\n\n").filter((e) => e.startsWith("data: "));
    expect(events[events.length - 1]).toBe("data: [DONE]");
    expect(JSON.parse(events[0].slice(6)).object).toBe("chat.completion.chunk");
  });

  it("rewrites an HTTP/2 request body that ends with trailers", async () => {
    const { connect } = await import("node:http2");
    const session = connect(stack.envoy.url);
    try {
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.internal", "content-type": "application/json" }, { waitForTrailers: true });
        req.on("wantTrailers", () => req.sendTrailers({ "x-checksum": "abc" }));
        let status = 0;
        let body = "";
        req.on("response", (h) => { status = Number(h[":status"]); });
        req.on("data", (d) => { body += d; });
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
        req.write('{"model":"gpt-4",');
        req.end('"messages":[{"role":"user","content":"hi"}]}');
      });
      expect(reply.status, reply.body).toBe(200);
      expect(last().body?.model).toBe("gpt-4o");
      expect(last().headers.authorization).toBe("Bearer test-openai-key");
    } finally {
      session.close();
    }
  });

  it("answers malformed JSON with an OpenAI-style 400", async () => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, { host: "llm.internal", body: '{"model": "gpt-4o", "messages": [' });
    expect(reply.status).toBe(400);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.json().error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
    expect(stack.mock.received.length).toBe(before);
  });

  it("answers an oversized body with 413, by content-length and by counting a chunked body", async () => {
    const big = chat({ model: "gpt-4o", pad: "x".repeat(70_000) });
    const declared = await send(stack.envoy.url, { host: "llm.internal", body: big });
    expect(declared.status).toBe(413);
    expect(declared.json().error.code).toBe("request_too_large");
    const chunked = await send(stack.envoy.url, { host: "llm.internal", body: big, chunked: true });
    expect(chunked.status).toBe(413);
    expect(chunked.json().error.code).toBe("request_too_large");
  });

  it("splits 70/30 over 2,000 requests within ±3 points", async () => {
    stack.mock.reset();
    const replies = await pool(2000, 16, () => send(stack.envoy.url, { host: "split.llm.internal", body: chat() }));
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const toOpenAI = stack.mock.received.filter((r) => r.provider === "openai").length;
    const toDeepSeek = stack.mock.received.filter((r) => r.provider === "deepseek").length;
    expect(toOpenAI + toDeepSeek).toBe(2000);
    expect(Math.abs(toOpenAI / 2000 - 0.7)).toBeLessThanOrEqual(0.03);
    // Each provider got its own model and key.
    expect(stack.mock.received.every((r) => r.status === 200)).toBe(true);
  });

  it("never traps the VM (no critical log lines)", () => {
    expect(stack.envoy.logs()).not.toMatch(/\[critical\]|wasm log.*abort|proc_exit/i);
    expect(stack.envoy.logs()).not.toMatch(/test-(openai|dashscope|deepseek|azure|stale)-key/);
  });
});

describe("a bad plugin config in real Envoy", () => {
  it("is refused at load, with the field named in Envoy's log", async () => {
    const bad = {
      providers: [{ name: "oa", type: "openai", apiKeys: [{ value: "secret-in-bad-config" }] }],
      routes: [{ name: "r", match: { host: "a" }, backends: [{ provider: "oa" }] }, { name: "s", match: { host: "b" }, backends: [{ provider: "oa", weight: 0 }, { provider: "nobody" }] }],
    };
    const { exitCode, log } = await runEnvoyToExit({
      envoyPath: locateEnvoy().path,
      config: bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig: bad, mockUpstream: { address: "127.0.0.1", port: 9 } }),
    });
    expect(exitCode).not.toBe(0);
    expect(log).toContain("llm-mesh: config error: routes[1].backends[0].weight: must be a positive integer");
    expect(log).toContain('llm-mesh: config error: routes[1].backends[1].provider: no provider named "nobody"');
    expect(log).not.toContain("secret-in-bad-config");
  });
});

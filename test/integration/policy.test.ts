// Request policy in real Envoy, against the mock providers (which reject what the real APIs reject):
// every row of the shared tables (test/support/policy-rows.ts) on its own route, the official SDKs
// seeing a deny as their own BadRequestError, answer extraction, and the decision counter in
// Envoy's Prometheus stats.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, send, startStack } from "../support/envoy.js";
import { fetchWithHost } from "../support/sdk-fetch.js";
import { DENY_ROWS, EVASION_ROWS, FIELD_ROWS, INJECT_ROWS, MASK_ROWS, PASSING_ROWS, SPLIT_ROWS, TEMPLATE_ROWS, UNREADABLE_ROWS } from "../support/policy-rows.js";

const route = (name: string, policy: Record<string, unknown>, provider = "openai") => ({ name, match: { host: `${name}.llm` }, backends: [{ provider }], policy });

// The rules every field row is checked with (as in test/unit/policy.test.ts).
const GUARD = { deny: [{ name: "launch-codes", contains: "launch code", ignoreCase: true }], mask: [{ builtin: "email" }] };
const DENY_TEXT = "the launch code", MASK_TEXT = "mail bob@example.com", MASKED = "mail [EMAIL]";

const config = {
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "mesh-openai-key" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "mesh-anthropic-key" }] },
  ],
  routes: [
    ...DENY_ROWS.map((row, i) => route(`deny-${i}`, { deny: [row.rule] })),
    ...MASK_ROWS.map((row, i) => route(`mask-${i}`, { mask: row.rules })),
    ...TEMPLATE_ROWS.map((row, i) => route(`tpl-${i}`, { template: row.template })),
    ...INJECT_ROWS.map((row, i) => route(`inject-${i}`, { prepend: row.prepend, append: row.append ?? [] }, row.backend === "claude" ? "anthropic" : "openai")),
    route("guard", { deny: [{ name: "launch-codes", contains: "launch code", ignoreCase: true }], mask: [{ builtin: "email" }] }),
    route("guard-claude", { deny: [{ name: "launch-codes", contains: "launch code", ignoreCase: true }] }, "anthropic"),
    route("text", { extract: "choices[0].message.content" }),
    route("usage", { extract: "usage", extractAs: "json" }),
    route("claude-text", { extract: "choices[0].message.content" }, "anthropic"),
    route("missing", { extract: "choices[3].message.content" }),
    route("fields", GUARD),
    route("fields-claude", GUARD, "anthropic"),
    route("masks", { mask: GUARD.mask }),
    ...SPLIT_ROWS.map((row, i) => route(`split-${i}`, row.policy)),
  ],
};

describe("request policy in real Envoy", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(config, { acceptedKeys: { openai: ["mesh-openai-key"], anthropic: ["mesh-anthropic-key"] } });
  }, 60_000);
  afterAll(async () => { await stack?.stop(); });

  const chat = (content: string) => JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] });
  const lastSent = () => stack.mock.received.at(-1)!;

  it.each(DENY_ROWS.map((row, i) => ({ ...row, i })))("deny: $name", async ({ i, denied, allowed }) => {
    for (const text of denied) {
      const reply = await send(stack.envoy.url, { host: `deny-${i}.llm`, body: chat(text) });
      expect(reply.status, text).toBe(400);
      expect(reply.json().error.code).toBe("content_policy_violation");
    }
    for (const text of allowed) {
      const before = stack.mock.received.length;
      const reply = await send(stack.envoy.url, { host: `deny-${i}.llm`, body: chat(text) });
      expect(reply.status, reply.body).toBe(200);
      expect(stack.mock.received.length).toBe(before + 1);
      expect(lastSent().body).toEqual(JSON.parse(chat(text)));
    }
  });

  it.each(MASK_ROWS.map((row, i) => ({ ...row, i })))("mask: $name", async ({ i, text, sent }) => {
    const reply = await send(stack.envoy.url, { host: `mask-${i}.llm`, body: chat(text) });
    expect(reply.status, reply.body).toBe(200);
    expect((lastSent().body as { messages: { content: string }[] }).messages[0].content).toBe(sent);
  });

  it.each(TEMPLATE_ROWS.map((row, i) => ({ ...row, i })))("template: $name", async ({ i, body, headers, sent, error }) => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, { host: `tpl-${i}.llm`, body: typeof body === "string" ? body : JSON.stringify(body), headers });
    if (error) {
      expect(reply.status).toBe(400);
      expect(reply.json().error.message).toContain(error);
      expect(stack.mock.received.length).toBe(before);
      return;
    }
    // The provider (a mock that refuses what OpenAI refuses) accepted the filled request.
    expect(reply.status, reply.body).toBe(200);
    expect(lastSent().body).toEqual(sent);
    expect(lastSent().headers.authorization).toBe("Bearer mesh-openai-key");
  });

  it.each(INJECT_ROWS.map((row, i) => ({ ...row, i })))("added messages: $name", async ({ i, path, body, sent, error }) => {
    const reply = await send(stack.envoy.url, { host: `inject-${i}.llm`, path, body: JSON.stringify(body) });
    if (error) {
      expect(reply.status).toBe(400);
      expect(reply.body).toContain(error);
      return;
    }
    expect(reply.status, reply.body).toBe(200);
    expect(lastSent().body).toEqual(sent);
  });

  it.each(FIELD_ROWS)("field: $api: $field", async (row) => {
    const host = row.backend === "claude" ? "fields-claude.llm" : "fields.llm";
    const before = stack.mock.received.length;
    const denied = await send(stack.envoy.url, { host, path: row.path, body: JSON.stringify(row.body(DENY_TEXT)) });
    if (row.deny) {
      expect(denied.status, denied.body).toBe(400);
      expect(denied.body).toContain("launch-codes");
      expect(stack.mock.received.length).toBe(before);
    } else {
      expect(denied.status, denied.body).toBe(200);
      expect(lastSent().body).toEqual(row.body(DENY_TEXT));
    }
    // The provider (a mock that refuses what the real API refuses) accepts the masked body.
    const masked = await send(stack.envoy.url, { host, path: row.path, body: JSON.stringify(row.body(MASK_TEXT)) });
    expect(masked.status, masked.body).toBe(200);
    expect(lastSent().body).toEqual(row.body(row.mask ? MASKED : MASK_TEXT));
  });

  it.each(UNREADABLE_ROWS)("cannot be checked, refused on a deny route: $name", async (row) => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, { host: row.backend === "claude" ? "fields-claude.llm" : "fields.llm", path: row.path, body: JSON.stringify(row.body) });
    expect(reply.status, reply.body).toBe(400);
    expect(reply.json().error.message).toContain("this route's content policy cannot check");
    expect(reply.json().error.message).toContain(row.message);
    expect(stack.mock.received.length).toBe(before);
  });

  it("token ids pass a route with masks only", async () => {
    const reply = await send(stack.envoy.url, { host: "masks.llm", path: "/v1/completions", body: JSON.stringify(UNREADABLE_ROWS[0].body) });
    expect(reply.status, reply.body).toBe(200);
    expect(lastSent().body).toEqual(UNREADABLE_ROWS[0].body);
  });

  it.each(PASSING_ROWS)("content without text passes a deny route: $name", async (row) => {
    const reply = await send(stack.envoy.url, { host: row.backend === "claude" ? "fields-claude.llm" : "fields.llm", path: row.path, body: JSON.stringify(row.body) });
    expect(reply.status, reply.body).toBe(200);
    expect(lastSent().body).toEqual(row.body);
  });

  it.each(EVASION_ROWS)("normalized before matching: $name", async (row) => {
    const reply = await send(stack.envoy.url, { host: "fields.llm", body: chat(row.text) });
    expect(reply.status, reply.body).toBe(400);
    expect(reply.json().error.code).toBe("content_policy_violation");
  });

  it.each(SPLIT_ROWS.map((row, i) => ({ ...row, i })))("one message's parts are one text: $name", async ({ i, parts, sent }) => {
    const body = (texts: string[]) => ({ model: "gpt-4o", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] });
    const reply = await send(stack.envoy.url, { host: `split-${i}.llm`, body: JSON.stringify(body(parts)) });
    if (!sent) { expect(reply.status).toBe(400); return; }
    expect(reply.status, reply.body).toBe(200);
    expect(lastSent().body).toEqual(body(sent));
  });

  it("the SDKs see a deny as their own BadRequestError, with the rule named", async () => {
    const openai = new OpenAI({ apiKey: "unused", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost("guard.llm").fetch, maxRetries: 0 });
    const refused = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "What is the LAUNCH CODE?" }] }).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.code).toBe("content_policy_violation");
    expect(refused.message).toContain("launch-codes");
    const anthropic = new Anthropic({ apiKey: "unused", baseURL: stack.envoy.url, fetch: fetchWithHost("guard-claude.llm").fetch, maxRetries: 0 });
    const refusedToo = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 10, system: "the launch code is 1234", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(refusedToo).toBeInstanceOf(Anthropic.BadRequestError);
    // Masked before it left; the SDK gets the provider's normal answer.
    const answer = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "mail bob@example.com" }] });
    expect(answer.choices[0].message.content).toMatch(/Hello from mock/);
    expect((lastSent().body as { messages: { content: string }[] }).messages[0].content).toBe("mail [EMAIL]");
    // A stream on a guarded route streams.
    const stream = await openai.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toMatch(/Hello from mock/);
  });

  it("extraction: the text alone, a field as JSON, after translation, and a missing field", async () => {
    const text = await send(stack.envoy.url, { host: "text.llm", body: chat("hi") });
    expect(text.status).toBe(200);
    expect(text.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(text.body).toMatch(/^Hello from mock openai/);
    const usage = await send(stack.envoy.url, { host: "usage.llm", body: chat("hi") });
    expect(usage.headers["content-type"]).toBe("application/json");
    expect(usage.json()).toEqual({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    const claude = await send(stack.envoy.url, { host: "claude-text.llm", body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] }) });
    expect(claude.status, claude.body).toBe(200);
    expect(claude.body).toMatch(/^Hello from mock anthropic/);
    expect(lastSent().headers["x-api-key"]).toBe("mesh-anthropic-key");
    const missing = await send(stack.envoy.url, { host: "missing.llm", body: chat("hi") });
    expect(missing.status).toBe(502);
    expect(missing.json().error.code).toBe("llm_mesh.extract_missing");
    // A provider's own error passes in the client's shape (the mock refuses a role OpenAI does not know).
    const refused = await send(stack.envoy.url, { host: "text.llm", body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "robot", content: "hi" }] }) });
    expect(refused.status).toBe(400);
    expect(refused.headers["content-type"]).toMatch(/^application\/json/);
    expect(refused.json().error.message).toMatch(/Invalid value: 'robot'/);
  });

  it("counts decisions in Envoy's Prometheus stats, by route, rule and action", async () => {
    const stats = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
    const line = (action: string, rule: string) => stats.split("\n").find((l) => l.startsWith("llm_mesh_policy_decisions_total{") && l.includes(`llm_mesh_route="guard"`) && l.includes(`llm_mesh_rule="${rule}"`) && l.includes(`llm_mesh_action="${action}"`));
    expect(line("deny", "launch-codes"), stats.split("\n").filter((l) => l.includes("policy")).join("\n")).toMatch(/ 1$/);
    expect(line("mask", "email")).toMatch(/ 1$/);
  });
});

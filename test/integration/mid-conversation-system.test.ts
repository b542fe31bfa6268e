// The official @anthropic-ai/sdk sends what Claude Code sends (a cache-marked top-level system, a
// system message inside `messages`, the mid-conversation-system beta, on /v1/messages?beta=true)
// through real Envoy to an OpenAI-compatible, a Gemini and a Bedrock mock, each checking requests
// as the real API does; a tool loop answered on every backend (docs/translation.md, "System
// messages inside the conversation").
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, startStack } from "../support/envoy.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { fetchWithHost } from "../support/sdk-fetch.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
  ],
  routes: [
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] },
    { name: "bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock" }] },
  ],
};

const BETA = "mid-conversation-system-2026-04-07";
const REMINDER = "<system-reminder>Tools load on demand.</system-reminder>";
const bash: Anthropic.Beta.BetaTool = { name: "Bash", input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } };

/** Where each backend must carry the reminder: the upstream body, read as that API reads it. */
const reminderIn: Record<string, (body: any) => string[]> = {
  openai: (b) => b.messages.filter((m: any) => m.role === "system").map((m: any) => m.content),
  gemini: (b) => b.systemInstruction.parts.map((p: any) => p.text),
  bedrock: (b) => b.system.filter((s: any) => s.text !== undefined).map((s: any) => s.text),
};

const roles = (body: any): string[] => body.messages.map((m: any) => m.role);

describe("anthropic SDK with mid-conversation system messages through real Envoy to OpenAI, Gemini and Bedrock mocks", () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(CONFIG, { acceptedKeys: { openai: ["test-openai-key"], gemini: ["test-gemini-key"] }, env: { values: BEDROCK_ENV } }); });
  afterAll(async () => { await stack?.stop(); });

  it.each([
    ["gpt.llm", "openai", "gpt-4o"],
    ["gemini.llm", "gemini", "gemini-2.5-flash"],
    ["bedrock.llm", "bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0"],
  ])("%s: a tool call, then the answer after the tool's result", async (host, provider, model) => {
    const recorder = fetchWithHost(host);
    const anthropic = new Anthropic({ apiKey: "client-anthropic-key", baseURL: stack.envoy.url, fetch: recorder.fetch, maxRetries: 0 });
    const system: Anthropic.Beta.BetaTextBlockParam[] = [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }];
    const messages: Anthropic.Beta.BetaMessageParam[] = [
      { role: "user", content: "List the files." },
      { role: "system", content: [{ type: "text", text: REMINDER, cache_control: { type: "ephemeral", ttl: "1h" } }] },
    ];
    const before = stack.mock.received.length;
    const first = await anthropic.beta.messages.create({ model, max_tokens: 256, system, tools: [bash], messages, betas: [BETA] });
    expect(recorder.sent.at(-1)!.headers["anthropic-beta"]).toBe(BETA);
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((b) => b.type === "tool_use") as Anthropic.Beta.BetaToolUseBlock;
    expect([call.name, call.input]).toEqual(["Bash", { command: "command-value" }]);
    const sent = stack.mock.received[before];
    expect(sent.headers["anthropic-beta"]).toBeUndefined();
    expect(reminderIn[provider](sent.body)).toEqual(["You are Claude Code.", REMINDER]);
    if (provider === "openai") expect(roles(sent.body)).toEqual(["system", "user", "system"]);

    messages.push({ role: "assistant", content: first.content as Anthropic.Beta.BetaContentBlockParam[] });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "a.txt b.txt" }] });
    messages.push({ role: "system", content: "Answer in one line." });
    const second = await anthropic.beta.messages.create({ model, max_tokens: 256, system, tools: [bash], messages, betas: [BETA] });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content).toEqual([{ type: "text", text: `Hello from mock ${provider} (${model}). Seen: 1 tool results.` }]);
    const again = stack.mock.received.at(-1)!;
    expect(reminderIn[provider](again.body)).toEqual(["You are Claude Code.", REMINDER, "Answer in one line."]);
    if (provider === "openai") expect(roles(again.body)).toEqual(["system", "user", "system", "assistant", "tool", "system"]);
  });
});

// The real Claude Code and Codex CLIs (pinned in test/support/agents.ts) through real Envoy with
// llm-mesh, offline, to the mock providers: a text answer, and a tool loop (the model calls the
// agent's shell tool, the agent runs the command and sends its output, the model answers), for
// every client × backend pair that works today (docs/translation.md, "Coding agents (Claude Code,
// Codex CLI)"). A CLI that cannot start fails these tests with its own words; nothing is skipped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinaries, AgentRun, runClaude, runCodex, SEARCH_PROMPT, SHELL_PROMPT, startAgentStack } from "../support/agents.js";
import { SEARCHED_TEXT } from "../../src-host-tools/mock/web-search.js";
import { allowsMidConversationSystem, checkAnthropicBody } from "../../src-host-tools/mock/anthropic.js";
import { Stack } from "../support/envoy.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { SHELL_COMMAND } from "../support/scripted-responses.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
    // A chat-only OpenAI-compatible vendor (no Responses API): Codex's requests are translated to chat.
    { name: "groq", type: "groq", apiKeys: [{ value: "test-groq-key" }] },
    { name: "vertex", type: "vertex-ai", project: "my-proj", region: "us-east5", apiKeys: [{ value: "test-vertex-token" }] },
  ],
  routes: [
    { name: "anthropic", match: { host: "anthropic.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "openai", match: { host: "openai.llm" }, backends: [{ provider: "openai" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] },
    { name: "bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock" }] },
    { name: "groq", match: { host: "groq.llm" }, backends: [{ provider: "groq" }] },
    { name: "vertex", match: { host: "vertex.llm" }, backends: [{ provider: "vertex" }] },
  ],
};

const TEXT_PROMPT = "Say hello.";

const explain = (r: AgentRun) => `exit ${r.code}\nstdout: ${r.stdout.slice(-4000)}\nstderr: ${r.stderr.slice(-4000)}`;

const anthropicToolResults = (b: any): string[] => b.messages.flatMap((m: any) => Array.isArray(m.content) ? m.content.filter((c: any) => c.type === "tool_result") : [])
  .map((c: any) => typeof c.content === "string" ? c.content : JSON.stringify(c.content));

/** Every text a tool result carries back to the backend, in each API's shape. */
const toolOutputs: Record<string, (body: any) => string[]> = {
  "/v1/messages": (b) => anthropicToolResults(b),
  // Claude on Vertex AI: Anthropic's body, the model in the path.
  ":streamRawPredict": (b) => anthropicToolResults(b),
  "/v1/chat/completions": (b) => b.messages.filter((m: any) => m.role === "tool").map((m: any) => typeof m.content === "string" ? m.content : JSON.stringify(m.content)),
  ":streamGenerateContent": (b) => b.contents.flatMap((c: any) => c.parts).filter((p: any) => p.functionResponse).map((p: any) => JSON.stringify(p.functionResponse.response)),
  "/converse-stream": (b) => b.messages.flatMap((m: any) => m.content).filter((c: any) => c.toolResult).map((c: any) => JSON.stringify(c.toolResult.content)),
  "/v1/responses": (b) => b.input.filter((i: any) => i.type === "function_call_output").map((i: any) => typeof i.output === "string" ? i.output : JSON.stringify(i.output)),
};

/** Whether the upstream body carries system turns from inside the conversation, in each API's shape. */
const systemTurnsIn: Record<string, (body: any) => boolean> = {
  "/v1/messages": (b) => b.messages.some((m: any) => m.role === "system"),
  ":streamRawPredict": (b) => b.messages.some((m: any) => m.role === "system"),
  "/v1/chat/completions": (b) => b.messages.slice(1).some((m: any) => m.role === "system"),
  // Gemini has one systemInstruction: the top-level system, then each system turn, as parts.
  ":streamGenerateContent": (b) => b.systemInstruction.parts.length > 1,
  // Bedrock's system list likewise.
  "/converse-stream": (b) => b.system.length > 1,
};

describe("coding agents through real Envoy to the mock providers", () => {
  let stack: Stack;
  let bin: { claude: string; codex: string };
  beforeAll(async () => {
    bin = agentBinaries();
    stack = await startAgentStack(CONFIG, { anthropic: ["test-anthropic-key"], openai: ["test-openai-key"], gemini: ["test-gemini-key"], groq: ["test-groq-key"], vertex: ["test-vertex-token"] }, { values: BEDROCK_ENV });
  }, 300_000);
  afterAll(async () => { await stack?.stop(); });

  // [host, backend path, model, prompt, system turns inside messages, the agent's final answer, text
  // the tool's output brings back]. Claude Code sends its reminders as system turns (under the
  // mid-conversation-system beta) for a model it does not know, inside the user turn for its own.
  // The mock's Bash call runs `command-value`: the shell's "not found" comes back as the result.
  it.each([
    ["anthropic.llm", "/v1/messages", "claude-sonnet-4-5", TEXT_PROMPT, false, "Hello from mock anthropic (claude-sonnet-4-5).", undefined],
    ["anthropic.llm", "/v1/messages", "claude-sonnet-4-5", SHELL_PROMPT, false, "Hello from mock anthropic (claude-sonnet-4-5). Seen: 1 tool results.", "command-value"],
    ["anthropic.llm", "/v1/messages", "mesh-model", TEXT_PROMPT, true, "Hello from mock anthropic (mesh-model).", undefined],
    ["anthropic.llm", "/v1/messages", "mesh-model", SHELL_PROMPT, true, "Hello from mock anthropic (mesh-model). Seen: 1 tool results.", "command-value"],
    ["openai.llm", "/v1/chat/completions", "gpt-4o", TEXT_PROMPT, true, "Hello from mock openai (gpt-4o).", undefined],
    ["openai.llm", "/v1/chat/completions", "gpt-4o", SHELL_PROMPT, true, "Hello from mock openai (gpt-4o). Seen: 1 tool results.", "command-value"],
    ["gemini.llm", ":streamGenerateContent", "gemini-2.5-flash", TEXT_PROMPT, true, "Hello from mock gemini (gemini-2.5-flash).", undefined],
    ["gemini.llm", ":streamGenerateContent", "gemini-2.5-flash", SHELL_PROMPT, true, "Hello from mock gemini (gemini-2.5-flash). Seen: 1 tool results.", "command-value"],
    ["bedrock.llm", "/converse-stream", "amazon.nova-pro-v1:0", TEXT_PROMPT, true, "Hello from mock bedrock (amazon.nova-pro-v1:0).", undefined],
    ["bedrock.llm", "/converse-stream", "amazon.nova-pro-v1:0", SHELL_PROMPT, true, "Hello from mock bedrock (amazon.nova-pro-v1:0). Seen: 1 tool results.", "command-value"],
    // Claude on Vertex AI (the mock's Vertex answers in its Anthropic voice; the path proves Vertex).
    ["vertex.llm", ":streamRawPredict", "claude-sonnet-4-5", TEXT_PROMPT, false, "Hello from mock anthropic (claude-sonnet-4-5).", undefined],
    ["vertex.llm", ":streamRawPredict", "claude-sonnet-4-5", SHELL_PROMPT, false, "Hello from mock anthropic (claude-sonnet-4-5). Seen: 1 tool results.", "command-value"],
  ])("claude code -> %s (%s, %s): %s (system turns: %s)", async (host, path, model, prompt, systemTurns, answer, toolOutput) => {
    const before = stack.mock.received.length;
    const r = await runClaude(bin.claude, stack.envoy.url, host, prompt, model);
    expect(r.code, explain(r)).toBe(0);
    const result = JSON.parse(r.stdout);
    expect([result.is_error, result.result], explain(r)).toEqual([false, answer]);
    const sent = stack.mock.received.slice(before);
    expect(sent.map((s) => [s.path.endsWith(path) ? path : s.path, s.status])).toEqual(sent.map(() => [path, 200]));
    // Its system turns reach an Anthropic backend as sent, with the beta; an OpenAI one as system messages.
    const first = sent[0];
    expect(first.rawBody).toContain("<system-reminder>");
    expect(systemTurnsIn[path](first.body)).toBe(systemTurns);
    if (path === "/v1/messages") expect(/mid-conversation-(system|tool-changes)-/.test(String(first.headers["anthropic-beta"]))).toBe(systemTurns);
    const last = sent.at(-1)!.body;
    if (toolOutput === undefined) expect(toolOutputs[path](last)).toEqual([]);
    else expect(toolOutputs[path](last).join("\n")).toContain(toolOutput);
  }, 90_000);

  // [host, backend path, model, prompt, the agent's final answer, the command's exit code and output].
  // On the Responses route the scripted front runs `echo hi`; a translated route's mock would call
  // exec_command with `cmd-value` (exit 127, "not found").
  it.each([
    ["openai.llm", "/v1/responses", "gpt-5", TEXT_PROMPT, "Hello from mock openai (gpt-5) via the Responses API.", undefined],
    ["openai.llm", "/v1/responses", "gpt-5", SHELL_PROMPT, "Hello from mock openai (gpt-5) via the Responses API.", [0, SHELL_COMMAND.output]],
    ["anthropic.llm", "/v1/messages", "claude-sonnet-4-5", TEXT_PROMPT, "Hello from mock anthropic (claude-sonnet-4-5).", undefined],
    ["anthropic.llm", "/v1/messages", "claude-sonnet-4-5", SHELL_PROMPT, "Hello from mock anthropic (claude-sonnet-4-5). Seen: 1 tool results.", [127, "not found"]],
    ["gemini.llm", ":streamGenerateContent", "gemini-2.5-flash", TEXT_PROMPT, "Hello from mock gemini (gemini-2.5-flash).", undefined],
    ["gemini.llm", ":streamGenerateContent", "gemini-2.5-flash", SHELL_PROMPT, "Hello from mock gemini (gemini-2.5-flash). Seen: 1 tool results.", [127, "not found"]],
    ["bedrock.llm", "/converse-stream", "amazon.nova-pro-v1:0", TEXT_PROMPT, "Hello from mock bedrock (amazon.nova-pro-v1:0).", undefined],
    ["bedrock.llm", "/converse-stream", "amazon.nova-pro-v1:0", SHELL_PROMPT, "Hello from mock bedrock (amazon.nova-pro-v1:0). Seen: 1 tool results.", [127, "not found"]],
    ["groq.llm", "/v1/chat/completions", "llama-3.3-70b-versatile", TEXT_PROMPT, "Hello from mock groq (llama-3.3-70b-versatile).", undefined],
    ["groq.llm", "/v1/chat/completions", "llama-3.3-70b-versatile", SHELL_PROMPT, "Hello from mock groq (llama-3.3-70b-versatile). Seen: 1 tool results.", [127, "not found"]],
  ] as [string, string, string, string, string, [number, string] | undefined][])("codex -> %s (%s, %s): %s", async (host, path, model, prompt, answer, command) => {
    const before = stack.mock.received.length;
    const r = await runCodex(bin.codex, stack.envoy.url, host, prompt, model);
    expect(r.code, explain(r)).toBe(0);
    const events = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const items = events.filter((e) => e.type === "item.completed").map((e) => e.item);
    expect(items.filter((i) => i.type === "agent_message").map((i) => i.text), explain(r)).toEqual([answer]);
    const commands = items.filter((i) => i.type === "command_execution");
    const sent = stack.mock.received.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.map((s) => [s.path.endsWith(path) ? path : s.path, s.status])).toEqual(sent.map(() => [path, 200]));
    const last = sent.at(-1)!.body;
    if (command === undefined) {
      expect(commands).toEqual([]);
      expect(toolOutputs[path](last)).toEqual([]);
    } else {
      expect(commands.map((c) => c.exit_code), explain(r)).toEqual([command[0]]);
      expect(commands[0].aggregated_output).toContain(command[1]);
      expect(toolOutputs[path](last).join("\n")).toContain(command[1]);
    }
  }, 90_000);

  // Codex offers web_search by default: on an Anthropic route it is Anthropic's own web_search server
  // tool (docs/translation.md, "Web search"), the mock searches and cites, and Codex shows the answer.
  it("codex -> anthropic.llm: its web_search reaches Anthropic as the web_search server tool; the cited answer comes back", async () => {
    const before = stack.mock.received.length;
    const r = await runCodex(bin.codex, stack.envoy.url, "anthropic.llm", SEARCH_PROMPT, "claude-sonnet-4-5");
    expect(r.code, explain(r)).toBe(0);
    const items = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === "item.completed").map((e) => e.item);
    expect(items.filter((i) => i.type === "agent_message").map((i) => i.text), explain(r)).toEqual([SEARCHED_TEXT]);
    const sent = stack.mock.received.slice(before);
    expect(sent.map((s) => (s.body as { tools?: unknown }).tools)).toEqual(sent.map(() => [{ type: "web_search_20250305", name: "web_search" }]));
  }, 90_000);
});

// Claude Code sends thinking (a budget, or adaptive with output_config.effort): through a
// translated route it reaches Bedrock as additionalModelRequestFields.thinking and Gemini as
// thinkingConfig (docs/translation.md, "Thinking and reasoning"); its tool loop replays the thinking
// blocks, which the mocks check as Claude and Gemini 3 do.
describe("Claude Code's thinking through real Envoy to Bedrock and Gemini", () => {
  let stack: Stack;
  let bin: { claude: string; codex: string };
  beforeAll(async () => {
    bin = agentBinaries();
    stack = await startAgentStack(CONFIG, { gemini: ["test-gemini-key"] }, { values: BEDROCK_ENV });
  }, 300_000);
  afterAll(async () => { await stack?.stop(); });

  it.each([
    ["bedrock.llm", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", (b: any) => b.additionalModelRequestFields, { thinking: { type: "enabled", budget_tokens: 31999 } }],
    // For Opus 4.7 it sends adaptive thinking with output_config.effort xhigh: Bedrock gets both.
    ["bedrock.llm", "us.anthropic.claude-opus-4-7-v1:0", (b: any) => b.additionalModelRequestFields, { thinking: { type: "adaptive" }, output_config: { effort: "xhigh" } }],
    ["gemini.llm", "claude-sonnet-4-5", (b: any) => b.generationConfig?.thinkingConfig, { includeThoughts: true, thinkingBudget: 31999 }],
    // For a model it does not know it sends adaptive thinking: Gemini's dynamic thinking.
    ["gemini.llm", "gemini-2.5-flash", (b: any) => b.generationConfig?.thinkingConfig, { includeThoughts: true, thinkingBudget: -1 }],
  ])("claude code -> %s (%s): the shell tool loop, with thinking mapped", async (host, model, thinkingOf, thinking) => {
    const before = stack.mock.received.length;
    const r = await runClaude(bin.claude, stack.envoy.url, host, SHELL_PROMPT, model);
    expect(r.code, explain(r)).toBe(0);
    const sent = stack.mock.received.slice(before);
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 200));
    const withTools = sent.filter((s) => JSON.stringify(s.body).includes("Bash"));
    expect(withTools.length).toBeGreaterThan(1);
    // The pinned Claude Code thinks with budget_tokens 31999 under max_tokens 32000 (a Claude up to
    // 4.5), else adaptively: passed on exactly.
    expect(withTools.map((s) => thinkingOf(s.body))).toEqual(withTools.map(() => thinking));
    expect(JSON.parse(r.stdout).result).toContain("Seen: 1 tool results.");
  }, 90_000);

  // Gemini 3 (the mock, as the real API) refuses a function call sent back without its thought
  // signature: each agent's loop finishing proves it replays the call id that carries it.
  it("claude code -> gemini.llm (gemini-3-pro-preview): the tool_use id carries the thought signature back", async () => {
    const before = stack.mock.received.length;
    const r = await runClaude(bin.claude, stack.envoy.url, "gemini.llm", SHELL_PROMPT, "gemini-3-pro-preview");
    expect(r.code, explain(r)).toBe(0);
    expect(JSON.parse(r.stdout).result).toBe("Hello from mock gemini (gemini-3-pro-preview). Seen: 1 tool results.");
    const calls = stack.mock.received.slice(before).flatMap((s: any) => s.body.contents.flatMap((c: any) => c.parts)).filter((p: any) => p.functionCall);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((p: any) => typeof p.thoughtSignature === "string")).toBe(true);
  }, 90_000);

  it("codex -> gemini.llm (gemini-3-pro-preview): the function_call's call_id carries the thought signature back", async () => {
    const before = stack.mock.received.length;
    const r = await runCodex(bin.codex, stack.envoy.url, "gemini.llm", SHELL_PROMPT, "gemini-3-pro-preview");
    expect(r.code, explain(r)).toBe(0);
    const items = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === "item.completed").map((e) => e.item);
    expect(items.filter((i) => i.type === "agent_message").map((i) => i.text), explain(r)).toEqual(["Hello from mock gemini (gemini-3-pro-preview). Seen: 1 tool results."]);
    const sent = stack.mock.received.slice(before);
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 200));
    const calls = sent.flatMap((s: any) => s.body.contents.flatMap((c: any) => c.parts)).filter((p: any) => p.functionCall);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((p: any) => typeof p.thoughtSignature === "string")).toBe(true);
  }, 90_000);
});

// The Anthropic mock takes a system turn inside `messages` only under a beta that allows it, as the
// real API does: without that, Claude Code's turns would pass a mock the real API refuses.
describe("the Anthropic mock's system turns inside messages", () => {
  const body = { model: "m", max_tokens: 8, messages: [{ role: "user", content: "hi" }, { role: "system", content: "Be brief." }] };
  it.each([
    [undefined, false],
    ["claude-code-20250219", false],
    ["mid-conversation-system-2026-04-07", true],
    ["claude-code-20250219, mid-conversation-tool-changes-2026-07-01", true],
    ["mid-conversation-systemic", false],
  ])("anthropic-beta %s: accepted %s", (beta, accepted) => {
    const allowed = allowsMidConversationSystem(beta === undefined ? {} : { "anthropic-beta": beta });
    expect(allowed).toBe(accepted);
    expect(checkAnthropicBody("messages", body, allowed) === undefined).toBe(accepted);
  });
});

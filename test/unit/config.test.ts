// Bad plugin config is refused at load, with every problem logged against its field path, and
// never a key value in the log.
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";

import { BAD_CONFIGS as rows, valid, route } from "../support/bad-configs.js";

describe("plugin configuration", () => {
  it("accepts a minimal valid config", async () => {
    const { configured, host } = await loadFilter(valid);
    expect(configured).toBe(true);
    expect(host.logText("info").join("\n")).toContain("configuration loaded: 1 providers, 1 routes");
  });

  it.each(rows)("refuses $name, naming every field", async ({ config, fields }) => {
    const { configured, host } = await loadFilter(config);
    expect(configured).toBe(false);
    expect(host.trap).toBeNull();
    const errors = host.logText("error").join("\n");
    for (const field of fields) expect(errors).toContain(`config error: ${field}`);
    expect(errors).toContain("configuration rejected");
    expect(host.logText().join("\n")).not.toMatch(/secret-value/);
  });

  it("keeps serving with the previous config when a new one is refused", async () => {
    const { host } = await loadFilter(valid);
    expect(host.configure(JSON.stringify({ providers: [] }))).toBe(false);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local" }, '{"model":"gpt-4o"}');
    expect(stream.requestHeader(":authority")).toBe("api.openai.com");
  });

  it("reads keys from the VM environment and warns, without the value, when one is missing", async () => {
    const config = { providers: [{ name: "oa", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }, { env: "ABSENT_KEY" }] }], routes: [route] };
    const { configured, host } = await loadFilter(config, { env: { OPENAI_API_KEY: "secret-value-env" } });
    expect(configured).toBe(true);
    expect(host.logText("warn").join("\n")).toContain("providers[0].apiKeys[1].env: environment variable ABSENT_KEY is not set");
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local" }, '{"model":"gpt-4o"}');
    expect(stream.requestHeader("authorization")).toBe("Bearer secret-value-env");
    expect(host.logText().join("\n")).not.toMatch(/secret-value/);
  });

  it("works whatever root_id the plugin is given (Istio uses pluginName)", async () => {
    const { configured } = await loadFilter(valid, { rootId: "my-llm-plugin" });
    expect(configured).toBe(true);
  });
});

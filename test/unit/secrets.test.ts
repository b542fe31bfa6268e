// No value under apiKeys ever appears in a log line, an error, CLI output or a response. Every
// validation error path, every filter log path and the request paths run with a sentinel key, and
// the sentinel must appear nowhere.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importAsm } from "../../src-host-tools/asm/import.js";
import { manifests } from "../../src-host-tools/commands/manifests.js";
import { validate } from "../../src-host-tools/commands/validate.js";
import { formatProblem, validateConfigText } from "../../src-host-tools/config/validate.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";
import { loadFilter } from "../support/filter.js";

const SENTINEL = "sk-live-SENTINEL-4f9c2a7b";
const leaks = (text: string) => text.includes("SENTINEL") || text.includes("4f9c2a7b");

const provider = (apiKeys: unknown, extra: Record<string, unknown> = {}) => ({ name: "oa", type: "openai", apiKeys, ...extra });
const routes = [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "oa" }] }];
const config = (apiKeys: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ providers: [provider(apiKeys, extra)], routes });

/** Every shape a key can be given in, right or wrong, each with the sentinel. */
const CASES: [string, string][] = [
  ["an inline key (valid, warned)", config([{ value: SENTINEL }])],
  ["a key pasted where the variable name belongs", config([{ env: SENTINEL }])],
  ["a key as an unknown field's name", config([{ [SENTINEL]: "x" }])],
  ["a key as an unknown field's value", config([{ valeu: SENTINEL }])],
  ["both value and env", config([{ value: SENTINEL, env: "OPENAI_API_KEY" }])],
  ["a key entry that is a string", config([SENTINEL])],
  ["apiKeys that is a string", config(SENTINEL)],
  ["apiKeys that is an object", config({ value: SENTINEL })],
  ["a value of the wrong type", config([{ value: [SENTINEL] }])],
  ["an env of the wrong type", config([{ env: { name: SENTINEL } }])],
  ["a key beside other errors", config([{ value: SENTINEL }], { port: 0, colour: "red" })],
  ["duplicate provider names with keys", JSON.stringify({ providers: [provider([{ value: SENTINEL }]), provider([{ value: SENTINEL }])], routes })],
  ["the same key twice", config([{ value: SENTINEL }, { value: SENTINEL }])],
  ["invalid JSON right after the key", `{"providers":[{"name":"oa","type":"openai","apiKeys":[{"value":"${SENTINEL}" x}]}],"routes":[]}`],
  ["invalid JSON inside the key", `{"providers":[{"name":"oa","type":"openai","apiKeys":[{"value":"${SENTINEL}\u0001"}]}]}`],
  ["invalid YAML on the key's line", `providers:\n  - name: oa\n    type: openai\n    apiKeys: [{value: ${SENTINEL}: x}]\nroutes: []\n`],
  ["a key in an unrouted, unusable provider", JSON.stringify({ providers: [provider([{ env: "NOT_SET" }]), { ...provider([{ value: SENTINEL }]), name: "other" }], routes })],
];

describe("no secret in any message", () => {
  it.each(CASES)("toolchain validator: %s", (_name, text) => {
    const result = validateConfigText(text);
    const out = [...result.errors, ...result.warnings].map(formatProblem).join("\n");
    expect(out.length).toBeGreaterThan(0);
    expect(leaks(out), out).toBe(false);
  });

  it.each(CASES)("llm-mesh validate (text and --json): %s", async (_name, text) => {
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-secrets-"));
    writeFileSync(join(dir, "c.json"), text);
    for (const json of [false, true]) {
      const lines: string[] = [];
      let thrown = "";
      try { await validate({ cwd: dir, files: ["c.json"], json, log: (l) => lines.push(l) }); } catch (e) { thrown = (e as Error).message; }
      const out = lines.join("\n") + thrown;
      expect(out.length).toBeGreaterThan(0);
      expect(leaks(out), out).toBe(false);
    }
  });

  it.each(CASES)("filter config load, every log level: %s", async (_name, text) => {
    const { host } = await loadFilter(text.startsWith("{") ? text : JSON.stringify({ providers: [] }), { env: { OPENAI_API_KEY: SENTINEL } });
    const out = host.logText().join("\n");
    expect(out.length).toBeGreaterThan(0);
    expect(leaks(out), out).toBe(false);
    expect(host.trap).toBeNull();
  });

  it("llm-mesh manifests refuses an inline key without printing it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-secrets-"));
    writeFileSync(join(dir, "c.json"), config([{ value: SENTINEL }]));
    const lines: string[] = [];
    const run = manifests({ cwd: dir, config: "c.json", image: "oci://r.example/llm-mesh", digest: EXAMPLE_DIGEST, mode: "egress", log: (l) => lines.push(l) });
    await expect(run).rejects.toThrow(/providers\[0\]\.apiKeys\[0\]\.value: an inline key would be written into the WasmPlugin/);
    const message = await run.catch((e: Error) => e.message);
    expect(leaks(message + lines.join("\n"))).toBe(false);
  });

  it("import-asm never copies a literal key into what it prints", () => {
    const asm = `apiVersion: istio.alibabacloud.com/v1beta1\nkind: LLMProvider\nmetadata: {name: oa}\nspec:\n  host: api.openai.com\n  path: /v1/chat/completions\n  configs:\n    defaultConfig:\n      openAIConfig: {model: gpt-4o, apiKey: ${SENTINEL}}\n`;
    const result = importAsm([{ name: "p.yaml", text: asm }]);
    expect(leaks(JSON.stringify(result))).toBe(false);
  });

  it("request paths: no reply, provider error or log carries the key", async () => {
    const { host, configured } = await loadFilter(config([{ env: "OPENAI_API_KEY" }]), { env: { OPENAI_API_KEY: SENTINEL }, logLevel: "trace" });
    expect(configured).toBe(true);
    const replies: string[] = [];
    const requests: [Record<string, string>, string | undefined][] = [
      [{ ":method": "POST", ":path": "/v1/chat/completions" }, '{"model":"gpt-4o"'],
      [{ ":method": "POST", ":path": "/v1/chat/completions" }, '{"model":"bad\\r\\nmodel"}'],
      [{ ":method": "POST", ":path": "/v1/chat/completions" }, '{"messages":[]}'],
      [{ ":method": "POST", ":path": "/v1/files?key=x" }, "{}"],
      [{ ":method": "PUT", ":path": "/v1/chat/completions" }, "{}"],
      [{ ":method": "GET", ":path": "/v1/models" }, undefined],
      [{ ":method": "POST", ":path": "/v1/chat/completions", "content-length": "99999999999" }, "{}"],
    ];
    for (const [headers, body] of requests) {
      const stream = host.createStream();
      stream.sendRequest({ ":authority": "llm.local", ...headers }, body);
      replies.push(JSON.stringify(stream.localResponse));
    }
    const misdirected = host.createStream({ "xds.cluster_name": "PassthroughCluster" });
    misdirected.sendRequest({ ":authority": "llm.local", ":method": "POST", ":path": "/v1/chat/completions" }, '{"model":"gpt-4o"}');
    replies.push(JSON.stringify(misdirected.localResponse));
    expect(misdirected.localResponse?.status).toBe(421);
    for (const [status, body] of [["401", `{"error":{"message":"Incorrect API key provided: ${SENTINEL}"}}`], ["400", `{"error":{"message":"bad key ${SENTINEL}"}}`],
      ["503", `<html>${SENTINEL}</html>`], ["403", `{"error":{"message":"key sk-live-****************2a7b not allowed"}}`]]) {
      const stream = host.createStream();
      stream.sendRequest({ ":authority": "llm.local", ":method": "POST", ":path": "/v1/chat/completions" }, '{"model":"gpt-4o"}');
      expect(stream.requestHeader("authorization")).toBe(`Bearer ${SENTINEL}`); // the provider does get it
      stream.sendResponseHeaders({ ":status": status });
      stream.sendResponseBody(body, true);
      replies.push(JSON.stringify(stream.downstreamHeaders) + stream.downstreamBodyText());
    }
    const out = replies.join("\n") + host.logText().join("\n");
    expect(leaks(out), out).toBe(false);
  });
});

// The toolchain's provider catalog (src-host-tools/providers.ts): its types and endpoint defaults are
// the filter's own table (assembly/providers/catalog.ts); what each family's class does (API, key
// header, chat path, regional host) is written on both sides, so one request of every type goes
// through the module and is compared with the catalog's endpoint and auth.
import { describe, expect, it } from "vitest";
import { PROVIDER_TYPES, providerEndpoint } from "../../src-host-tools/providers.js";
import { loadFilter } from "../support/filter.js";

const types = Object.keys(PROVIDER_TYPES);

function providerFor(type: string) {
  const info = PROVIDER_TYPES[type];
  return {
    name: `p-${type}`, type,
    ...(info.host === "" ? { host: `${type}.example.internal` } : {}),
    ...(type === "azure-openai" ? { apiVersion: "v1" } : {}),
    ...(type === "bedrock" ? { region: "us-east-1" } : {}),
    ...(type === "vertex-ai" ? { region: "us-central1", project: "p" } : {}),
    // An MCP server's endpoint path is required: every request of its route goes there.
    ...(info.api === "mcp" ? { basePath: "/tools/mcp" } : {}),
    // Bedrock signs with the VM's AWS keys; its apiKeys would be Bedrock API keys (bearer tokens, test/unit/platform-credentials.test.ts).
    ...(type === "bedrock" ? {} : { apiKeys: [{ value: `key-${type}` }] }),
  };
}

describe("provider catalog", () => {
  // An MCP server takes JSON-RPC, not chat: one tools/list, sent to its endpoint (basePath) whatever path the client used.
  it.each(types.filter((t) => PROVIDER_TYPES[t].api === "mcp"))("%s: authority, path and bearer token agree with the module", async (type) => {
    const provider = providerFor(type);
    const { host, configured } = await loadFilter({ requestMode: "body", providers: [provider], routes: [{ name: "r", match: { host: "client.local" }, backends: [{ provider: provider.name }] }] }, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "client.local", "content-type": "application/json" }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader(":authority")).toBe(providerEndpoint(provider).authority);
    expect(stream.requestHeader(":path")).toBe("/tools/mcp");
    expect(stream.requestHeader(PROVIDER_TYPES[type].authHeader)).toBe(`Bearer key-${type}`);
  });

  it.each(types.filter((t) => PROVIDER_TYPES[t].api !== "mcp"))("%s: authority, base path and auth header agree with the module", async (type) => {
    const provider = providerFor(type);
    const mode = PROVIDER_TYPES[type].pathFromBody ? "body" : "headers";
    const env = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret-example" };
    const { host, configured } = await loadFilter({ requestMode: mode, providers: [provider], routes: [{ name: "r", match: { host: "client.local" }, backends: [{ provider: provider.name, model: "m" }] }] }, { allowOnHeadersStopIteration: mode === "body", env });
    expect(configured, host.logText("warn").join("\n")).toBe(true);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "client.local" }, '{"messages":[{"role":"user","content":"hi"}]}');
    const info = PROVIDER_TYPES[type];
    expect(stream.requestHeader(":authority")).toBe(providerEndpoint(provider).authority);
    const chatPath = info.chatPath.replace("{model}", "m");
    const expectedPath = type === "azure-openai" ? `${info.basePath}/v1${chatPath}` : `${info.basePath}${chatPath}`;
    expect(stream.requestHeader(":path")).toBe(expectedPath);
    if (info.auth === "sigv4") {
      expect(stream.requestHeader(info.authHeader)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
      return;
    }
    const expectedAuth = info.authHeader === "authorization" ? `Bearer key-${type}` : `key-${type}`;
    expect(stream.requestHeader(info.authHeader)).toBe(expectedAuth);
  });

  it.each(types.filter((t) => PROVIDER_TYPES[t].keyRequired))("%s: refused without apiKeys", async (type) => {
    const { apiKeys, ...keyless } = providerFor(type);
    void apiKeys;
    const { host, configured } = await loadFilter({ requestMode: "body", providers: [keyless], routes: [{ name: "r", match: { host: "client.local" }, backends: [{ provider: keyless.name, model: "m" }] }] });
    expect(configured).toBe(false);
    expect(host.logText("error").join("\n")).toContain("providers[0].apiKeys: is required for type " + type);
  });
});

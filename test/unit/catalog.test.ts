// The toolchain's provider catalog (src-host-tools/providers.ts) must match what the module does:
// one request of every type through the filter, compared with the catalog's endpoint and auth.
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
    // Bedrock signs with the VM's AWS keys; its apiKeys would be Bedrock API keys (bearer tokens, test/unit/platform-credentials.test.ts).
    ...(type === "bedrock" ? {} : { apiKeys: [{ value: `key-${type}` }] }),
  };
}

describe("provider catalog", () => {
  it("lists the same types the module accepts", async () => {
    const { host } = await loadFilter({ providers: [{ name: "x", type: "no-such-type" }], routes: [{ name: "r", backends: [{ provider: "x" }] }] });
    const message = host.logText("error").find((l) => l.includes("unknown provider type"))!;
    const accepted = /accepted: ([^)]*)\)/.exec(message)![1].split(", ");
    expect(accepted.sort()).toEqual([...types].sort());
  });

  it.each(types)("%s: authority, base path and auth header agree with the module", async (type) => {
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

  it.each(types)("%s: key requirement agrees with the module", async (type) => {
    const { apiKeys, ...keyless } = providerFor(type);
    void apiKeys;
    const mode = PROVIDER_TYPES[type].pathFromBody ? "body" : "headers";
    const { configured } = await loadFilter({ requestMode: mode, providers: [keyless], routes: [{ name: "r", match: { host: "client.local" }, backends: [{ provider: keyless.name, model: "m" }] }] });
    expect(configured).toBe(!PROVIDER_TYPES[type].keyRequired);
  });
});

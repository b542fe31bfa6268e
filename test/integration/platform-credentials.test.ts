// Provider credentials from the platform in real Envoy (docs/credentials.md), against stand-ins of
// the credential endpoints that answer and refuse as the real ones do (mock/platform-credentials.ts)
// and providers that check the credentials as the real ones do: Bedrock signed with the instance
// role's keys and session token from IMDSv2, with a Bedrock API key, and by Envoy's own
// aws_request_signing filter with EKS Pod Identity's credentials (the token read from a file, which
// the Wasm VM cannot do); Azure OpenAI with a Microsoft Entra token from the managed identity
// endpoint. Two worker threads share one fetch; credentials are refreshed before they expire.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { MockCredentialServer, TemporaryCredentials, startMockAzureIdentity, startMockImds, startMockPodIdentityAgent } from "../../src-host-tools/mock/platform-credentials.js";
import { send } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";

/** Credentials that live this long are refreshed at half their life: the test sees a refresh within seconds. */
const LIFE_S = 8;
const API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl";
const POD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.pod-identity-token.sig";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "bedrock-role", type: "bedrock", region: "us-east-1", awsCredentials: "instanceMetadata" },
    { name: "bedrock-key", type: "bedrock", region: "us-west-2", apiKeys: [{ value: API_KEY }] },
    { name: "bedrock-pod", type: "bedrock", region: "eu-west-1", awsCredentials: "envoy" },
    { name: "azure", type: "azure-openai", host: "res.openai.azure.com", deployment: "gpt-4o", tokenFromMetadataServer: true },
  ],
  routes: [
    { name: "role", match: { host: "role.llm" }, backends: [{ provider: "bedrock-role", model: "amazon.nova-pro-v1:0" }] },
    { name: "key", match: { host: "key.llm" }, backends: [{ provider: "bedrock-key", model: "amazon.nova-pro-v1:0" }] },
    { name: "pod", match: { host: "pod.llm" }, backends: [{ provider: "bedrock-pod", model: "amazon.nova-pro-v1:0" }] },
    { name: "azure", match: { host: "azure.llm" }, backends: [{ provider: "azure", model: "gpt-4o" }] },
  ],
};

/** Temporary credentials numbered n, valid LIFE_S seconds from now. */
function issued(prefix: string, n: number): TemporaryCredentials {
  return { accessKeyId: `ASIA${prefix}${n}`, secretAccessKey: `${prefix.toLowerCase()}/secret/${n}`, sessionToken: `${prefix}-session-${n}`, expiration: new Date(Date.now() + LIFE_S * 1000) };
}

const chat = JSON.stringify({ messages: [{ role: "user", content: "Hi" }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("platform credentials in real Envoy", () => {
  let envoy: RunningEnvoy;
  let mock: MockProviders;
  let imds: MockCredentialServer;
  let pod: MockCredentialServer;
  let azure: MockCredentialServer;
  const role: TemporaryCredentials[] = [];
  const podCredentials: TemporaryCredentials[] = [];
  const entra: string[] = [];
  // Every credential ever issued stays accepted; the test asserts which one a request used.
  const roleAccepted: TemporaryCredentials[] = [];

  beforeAll(async () => {
    imds = await startMockImds("llm-gateway-role", () => { const c = issued("ROLE", role.length); role.push(c); roleAccepted.push(c); return c; });
    pod = await startMockPodIdentityAgent(POD_TOKEN, () => { const c = issued("POD", podCredentials.length); podCredentials.push(c); return c; });
    azure = await startMockAzureIdentity(() => { const t = `eyJ0eXAiOiJKV1QifQ.entra-${entra.length}.sig`; entra.push(t); return { token: t, expiresInSeconds: LIFE_S }; });
    mock = await startMockProviders([
      { ...CONFIG.providers[0], acceptedAwsCredentials: roleAccepted },
      { ...CONFIG.providers[1], acceptedKeys: [API_KEY] },
      { ...CONFIG.providers[2], acceptedAwsCredentials: podCredentials },
      { ...CONFIG.providers[3], acceptedKeys: entra },
    ]);
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-pod-identity-"));
    writeFileSync(join(dir, "eks-pod-identity-token"), POD_TOKEN);
    envoy = await startEnvoy({
      envoyPath: locateEnvoy().path, concurrency: 2,
      config: bootstrapYaml({
        wasmPath: WASM_PATH, pluginConfig: CONFIG, mockUpstream: { address: "127.0.0.1", port: mock.port },
        credentialEndpoints: { "instance-data.ec2.internal": { address: "127.0.0.1", port: imds.port }, "metadata.azure.internal": { address: "127.0.0.1", port: azure.port } },
      }),
      // What EKS Pod Identity puts in the pod: Envoy's container credential provider reads them.
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${pod.port}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, "eks-pod-identity-token"),
        AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_EC2_METADATA_DISABLED: "true" },
    });
    // The first tick comes 20 ms after configuration; wait for both fetches to land.
    for (let i = 0; i < 100 && (role.length === 0 || entra.length === 0); i++) await sleep(50);
    await sleep(200);
  });
  afterAll(async () => {
    await envoy?.stop();
    await Promise.all([mock?.close(), imds?.close(), pod?.close(), azure?.close()]);
  });

  it("bedrock with the instance role: IMDSv2 session token (PUT), role, then keys, fetched once for both worker threads; requests signed with the keys and session token", async () => {
    expect(imds.calls.map((c) => `${c.method} ${c.url} ${c.status}`)).toEqual([
      "PUT /latest/api/token 200", "GET /latest/meta-data/iam/security-credentials/ 200", "GET /latest/meta-data/iam/security-credentials/llm-gateway-role 200"]);
    expect(imds.calls[0].headers["x-forwarded-for"]).toBeUndefined();
    for (let i = 0; i < 4; i++) {
      const reply = await send(envoy.url, { host: "role.llm", body: chat, headers: { authorization: "Bearer client-key" } });
      expect(reply.status, reply.body).toBe(200);
      expect(reply.json().choices[0].message.content).toContain("Hello from mock bedrock");
    }
    const seen = mock.received.filter((r) => r.provider === "bedrock-role").at(-1)!;
    expect(seen.headers.authorization).toContain(`Credential=${role[0].accessKeyId}/`);
    expect(seen.headers["x-amz-security-token"]).toBe(role[0].sessionToken);
  });

  it("bedrock with an API key: Authorization: Bearer, nothing signed", async () => {
    const reply = await send(envoy.url, { host: "key.llm", body: chat });
    expect(reply.status, reply.body).toBe(200);
    const seen = mock.received.filter((r) => r.provider === "bedrock-key").at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(seen.headers["x-amz-date"]).toBeUndefined();
  });

  it("bedrock signed by Envoy's aws_request_signing filter with EKS Pod Identity's credentials (token from the file), over the body llm-mesh translated", async () => {
    const reply = await send(envoy.url, { host: "pod.llm", body: chat, headers: { authorization: "Bearer client-key" } });
    expect(reply.status, reply.body).toBe(200);
    expect(pod.calls.length).toBeGreaterThan(0);
    expect(pod.calls[0].headers.authorization).toBe(POD_TOKEN);
    const seen = mock.received.filter((r) => r.provider === "bedrock-pod").at(-1)!;
    // The mock verified the signature (and the payload hash Envoy signed) over the Converse body.
    expect(seen.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAPOD\d+\/\d{8}\/eu-west-1\/bedrock\/aws4_request/);
    expect(seen.body).toMatchObject({ messages: [{ role: "user", content: [{ text: "Hi" }] }] });
    // Envoy's signer is on the Bedrock cluster only: no other provider ever sees AWS headers.
    for (const r of mock.received.filter((r) => r.provider !== "bedrock-pod" && r.provider !== "bedrock-role")) expect(r.headers["x-amz-security-token"]).toBeUndefined();
  });

  it("azure-openai with a Microsoft Entra token from the managed identity endpoint (Metadata: true), as Authorization: Bearer", async () => {
    expect(azure.calls[0].headers.metadata).toBe("true");
    expect(azure.calls[0].url).toContain("resource=https%3A%2F%2Fcognitiveservices.azure.com%2F");
    const reply = await send(envoy.url, { host: "azure.llm", body: chat, headers: { "api-key": "client-key" } });
    expect(reply.status, reply.body).toBe(200);
    const seen = mock.received.filter((r) => r.provider === "azure").at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${entra[0]}`);
    expect(seen.headers["api-key"]).toBeUndefined();
  });

  it("refreshes before expiry: new keys and a new token are fetched and used with no failed request in between, and no credential is ever logged", async () => {
    const deadline = Date.now() + LIFE_S * 1000 + 2000;
    const statuses: number[] = [];
    while ((role.length < 2 || entra.length < 2) && Date.now() < deadline) {
      for (const host of ["role.llm", "azure.llm"]) statuses.push((await send(envoy.url, { host, body: chat })).status);
      await sleep(250);
    }
    expect(role.length).toBeGreaterThanOrEqual(2);
    expect(entra.length).toBeGreaterThanOrEqual(2);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // The other worker thread takes the new credentials on its next tick (1 s); until then it uses the old ones, still valid.
    await sleep(1200);
    const viaRole = await send(envoy.url, { host: "role.llm", body: chat });
    expect(viaRole.status).toBe(200);
    // Signed with refreshed keys (the newest, or the one before if a further refresh just landed), never the first.
    const used = /Credential=([^/]+)\//.exec(String(mock.received.filter((r) => r.provider === "bedrock-role").at(-1)!.headers.authorization))![1];
    expect(role.slice(1).map((c) => c.accessKeyId)).toContain(used);
    // Refreshes reuse the IMDSv2 session token, which each worker holds for itself: at most one PUT
    // per worker (2), whichever worker's lease came up. One worker fetched for both: each
    // credentials call comes about half a lifetime after the one before, never two at once.
    const puts = imds.calls.filter((c) => c.method === "PUT").length;
    expect(puts).toBeGreaterThanOrEqual(1);
    expect(puts).toBeLessThanOrEqual(2);
    const fetches = imds.calls.filter((c) => c.url.endsWith("/llm-gateway-role")).map((c) => c.atMs);
    expect(fetches).toHaveLength(role.length);
    for (let i = 1; i < fetches.length; i++) expect(fetches[i] - fetches[i - 1]).toBeGreaterThan((LIFE_S / 2 - 1) * 1000);
    expect(azure.calls.length).toBe(entra.length);
    expect((await send(envoy.url, { host: "azure.llm", body: chat })).status).toBe(200);
    expect(entra.slice(1).map((t) => `Bearer ${t}`)).toContain(mock.received.filter((r) => r.provider === "azure").at(-1)!.headers.authorization);
    const logs = envoy.logs();
    for (const secret of [...role.flatMap((c) => [c.secretAccessKey, c.sessionToken]), ...entra, POD_TOKEN, API_KEY]) expect(logs).not.toContain(secret);
  });
});

// Provider credentials from the platform (docs/credentials.md), through the host emulator: Bedrock
// signed with the instance role's keys from IMDSv2, Bedrock API keys as bearer tokens, Azure OpenAI
// with a Microsoft Entra token from the managed identity endpoint. Fetched by the root context on a
// tick, refreshed before expiry, shared by worker threads, never logged; while there is none,
// requests get a 503 in their client's own shape.
import { describe, expect, it } from "vitest";
import { HostEmulator, SharedValue } from "../../src-host-tools/host/emulator.js";
import { checkSignature } from "../../src-host-tools/mock/bedrock.js";
import { json, loadFilter } from "../support/filter.js";

const T0 = 1_800_000_000;
const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const ROLE = { accessKeyId: "ASIAROLEEXAMPLE", secretAccessKey: "role/secret+key", sessionToken: "IQoJb3JpZ2luX2VjEXAMPLESESSION" };
const IMDS_SESSION = "AQAEAimds-session-token==";
const ENTRA = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-token.sig";
const SECRETS = [ROLE.secretAccessKey, ROLE.sessionToken, IMDS_SESSION, ENTRA, "ABSKbedrock-api-key"];

const BEDROCK_ROLE = {
  requestMode: "body",
  providers: [{ name: "bedrock", type: "bedrock", region: "us-east-1", awsCredentials: "instanceMetadata" }],
  routes: [{ name: "bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock", model: "amazon.nova-pro-v1:0" }] }],
};
const AZURE_ENTRA = {
  requestMode: "body",
  providers: [{ name: "azure", type: "azure-openai", host: "res.openai.azure.com", deployment: "gpt-4o", tokenFromMetadataServer: true, managedIdentityClientId: "11111111-2222-3333-4444-555555555555" }],
  routes: [{ name: "azure", match: { host: "azure.llm" }, backends: [{ provider: "azure", model: "gpt-4o" }] }],
};
const CHAT = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });
const MESSAGES = JSON.stringify({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });

type Step = { method: string; path: string; headers: [string, string][]; status: string; body: string };
const roleCredentials = (expires: number) => JSON.stringify({ Code: "Success", LastUpdated: iso(T0), Type: "AWS-HMAC", AccessKeyId: ROLE.accessKeyId, SecretAccessKey: ROLE.secretAccessKey, Token: ROLE.sessionToken, Expiration: iso(expires) });

const IMDS_STEPS = (expires: number): Step[] => [
  { method: "PUT", path: "/latest/api/token", headers: [["x-aws-ec2-metadata-token-ttl-seconds", "21600"]], status: "200", body: IMDS_SESSION },
  { method: "GET", path: "/latest/meta-data/iam/security-credentials/", headers: [["x-aws-ec2-metadata-token", IMDS_SESSION]], status: "200", body: "llm-role\n" },
  { method: "GET", path: "/latest/meta-data/iam/security-credentials/llm-role", headers: [["x-aws-ec2-metadata-token", IMDS_SESSION]], status: "200", body: roleCredentials(expires) },
];

const ROWS = [
  {
    name: "bedrock: the instance role's keys from IMDSv2 (session token, role, credentials), signed with the session token",
    config: BEDROCK_ROLE, cluster: "outbound|80||instance-data.ec2.internal", authority: "169.254.169.254", host: "bedrock.llm",
    steps: IMDS_STEPS(T0 + 3600),
    check: async (s: ReturnType<HostEmulator["createStream"]>) => {
      expect(s.requestHeader("x-amz-security-token")).toBe(ROLE.sessionToken);
      expect(s.requestHeader("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAROLEEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, /);
      const headers = Object.fromEntries(s.upstreamHeaders!.filter(([k]) => !k.startsWith(":")));
      headers.host = s.requestHeader(":authority")!;
      // The mock Bedrock's own check: the signature recomputed with the role's keys and session token.
      expect(await checkSignature({ headers } as never, s.requestHeader(":path")!, s.upstreamBodyText(), "us-east-1", [ROLE])).toBeUndefined();
    },
  },
  {
    name: "azure-openai: a Microsoft Entra token from the managed identity endpoint, for a user-assigned identity, as Authorization: Bearer",
    config: AZURE_ENTRA, cluster: "outbound|80||metadata.azure.internal", authority: "169.254.169.254", host: "azure.llm",
    steps: [{ method: "GET", path: "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fcognitiveservices.azure.com%2F&client_id=11111111-2222-3333-4444-555555555555",
      headers: [["metadata", "true"]], status: "200",
      body: JSON.stringify({ access_token: ENTRA, refresh_token: "", expires_in: "86399", expires_on: String(T0 + 86399), not_before: String(T0), resource: "https://cognitiveservices.azure.com/", token_type: "Bearer" }) }] as Step[],
    check: async (s: ReturnType<HostEmulator["createStream"]>) => {
      expect(s.requestHeader("authorization")).toBe(`Bearer ${ENTRA}`);
      expect(s.requestHeader("api-key")).toBeUndefined();
    },
  },
];

async function load(config: unknown, clock: () => number, sharedData?: Map<string, SharedValue>) {
  const { host, configured } = await loadFilter(config, { allowOnHeadersStopIteration: true, clock: () => BigInt(clock()) * 1_000_000_000n, sharedData });
  expect(configured, host.logText("warn").join("\n")).toBe(true);
  return host;
}

function send(host: HostEmulator, authority: string, path = "/v1/chat/completions", body = CHAT) {
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": path, ":authority": authority, "content-type": "application/json", authorization: "Bearer client-key" }, body);
  return s;
}

/** Answers the call in flight with the step, after checking it is the step's call. */
function answer(host: HostEmulator, at: number, step: Step, cluster: string, authority: string) {
  const call = host.httpCalls[at];
  expect(call, `call ${at} (${step.method} ${step.path})`).toBeDefined();
  expect(call.upstream).toBe(cluster);
  expect(call.headers).toEqual(expect.arrayContaining([[":method", step.method], [":path", step.path], [":authority", authority], ...step.headers]));
  host.deliverHttpCallResponse(call.token, [[":status", step.status]], step.body);
}

function expectNoSecretLogged(host: HostEmulator) {
  const logs = host.logText().join("\n");
  for (const secret of SECRETS) expect(logs).not.toContain(secret);
}

describe("provider credentials from the platform", () => {
  it.each(ROWS)("$name", async (row) => {
    const now = T0;
    const host = await load(row.config, () => now);
    expect(send(host, row.host).localResponse!.status).toBe(503);
    host.tick();
    // Each step's call is made as soon as the one before is answered.
    row.steps.forEach((step, i) => {
      expect(host.httpCalls).toHaveLength(i + 1);
      answer(host, i, step, row.cluster, row.authority);
    });
    host.tick();
    expect(host.httpCalls).toHaveLength(row.steps.length); // fresh: nothing more asked
    const s = send(host, row.host);
    expect(s.localResponse, s.localResponse?.body).toBeNull();
    expect(s.requestHeader(":authority")).not.toBe(row.host);
    await row.check(s);
    expectNoSecretLogged(host);
    expect(host.trap).toBeNull();
  });

  it("bedrock instance role: a 503 in each client's shape until credentials come; refreshed before expiry reusing the IMDS session; a 401 starts over; expired credentials are never used", async () => {
    let now = T0;
    const host = await load(BEDROCK_ROLE, () => now);
    const cluster = "outbound|80||instance-data.ec2.internal";
    host.tick();
    const chat = send(host, "bedrock.llm");
    expect(chat.localResponse!.status).toBe(503);
    expect(json(chat.localResponse!.body)).toMatchObject({ error: { code: "no_usable_provider", message: expect.stringContaining('provider "bedrock" has no AWS credentials from the instance metadata service yet') } });
    const anthropic = send(host, "bedrock.llm", "/v1/messages", MESSAGES);
    expect(anthropic.localResponse!.status).toBe(503);
    expect(json(anthropic.localResponse!.body)).toMatchObject({ type: "error", error: { message: expect.stringContaining("no AWS credentials") } });

    // The role step fails: logged without the answer, retried 5 s later from the session token on.
    answer(host, 0, IMDS_STEPS(0)[0], cluster, "169.254.169.254");
    host.deliverHttpCallResponse(host.httpCalls[1].token, [[":status", "401"]], "");
    expect(host.logText("warn").join("\n")).toMatch(/the instance metadata service answered HTTP 401 for provider "bedrock"'s instance-role credentials; retrying in 5 s/);
    host.tick();
    expect(host.httpCalls).toHaveLength(2);
    now += 5;
    host.tick();
    const steps = IMDS_STEPS(T0 + 3600);
    steps.forEach((step, i) => answer(host, 2 + i, step, cluster, "169.254.169.254"));
    expect(send(host, "bedrock.llm").requestHeader("x-amz-security-token")).toBe(ROLE.sessionToken);

    // Five minutes before expiry: one call for new keys (session token and role kept); the old keys serve meanwhile.
    now = T0 + 3600 - 300;
    host.tick();
    expect(host.httpCalls).toHaveLength(6);
    expect(send(host, "bedrock.llm").localResponse).toBeNull();
    const rotated = JSON.parse(roleCredentials(T0 + 7200));
    rotated.AccessKeyId = "ASIAROTATED";
    answer(host, 5, { ...steps[2], body: JSON.stringify(rotated) }, cluster, "169.254.169.254");
    expect(send(host, "bedrock.llm").requestHeader("authorization")).toContain("Credential=ASIAROTATED/");

    // A malformed answer is refused, and past expiry nothing is signed with stale keys.
    now = T0 + 7200 - 300;
    host.tick();
    answer(host, 6, { ...steps[2], body: JSON.stringify({ Code: "Success", AccessKeyId: "ASIAX", SecretAccessKey: "s", Token: "t", Expiration: "tomorrow" }) }, cluster, "169.254.169.254");
    expect(host.logText("warn").join("\n")).toMatch(/holds no usable credentials/);
    now = T0 + 7200;
    const late = send(host, "bedrock.llm");
    expect(late.localResponse!.status).toBe(503);
    expect(late.localResponse!.body).toContain("AWS credentials expired");
    expectNoSecretLogged(host);
  });

  it("one fetch serves every worker thread: the others take the credentials from shared data, and whoever ticks first refreshes them", async () => {
    let now = T0;
    const shared = new Map<string, SharedValue>();
    const a = await load(BEDROCK_ROLE, () => now, shared);
    const b = await load(BEDROCK_ROLE, () => now, shared);
    const cluster = "outbound|80||instance-data.ec2.internal";
    a.tick();
    b.tick();
    expect(a.httpCalls).toHaveLength(1);
    expect(b.httpCalls).toHaveLength(0); // a holds the lease
    IMDS_STEPS(T0 + 3600).forEach((step, i) => answer(a, i, step, cluster, "169.254.169.254"));
    // b's request finds no credential of its own and takes a's from shared data, before b's next tick.
    const signed = send(b, "bedrock.llm");
    expect(signed.localResponse).toBeNull();
    expect(signed.requestHeader("x-amz-security-token")).toBe(ROLE.sessionToken);
    b.tick();
    expect(b.httpCalls).toHaveLength(0);
    now = T0 + 3600 - 300;
    b.tick();
    a.tick();
    expect(b.httpCalls.length).toBeGreaterThan(0);
    expect(a.httpCalls).toHaveLength(3);
  });

  it("bedrock API keys are sent as Authorization: Bearer, with no signature", async () => {
    const host = await load({ ...BEDROCK_ROLE, providers: [{ name: "bedrock", type: "bedrock", region: "us-east-1", apiKeys: [{ value: "ABSKbedrock-api-key" }] }] }, () => T0);
    const s = send(host, "bedrock.llm");
    expect(s.localResponse).toBeNull();
    expect(s.requestHeader("authorization")).toBe("Bearer ABSKbedrock-api-key");
    expect(s.requestHeader("x-amz-date")).toBeUndefined();
    expect(s.requestHeader("x-amz-security-token")).toBeUndefined();
    host.tick();
    expect(host.httpCalls).toHaveLength(0);
  });

  it("bedrock awsCredentials envoy: the filter neither signs nor sends a key (Envoy's aws_request_signing filter on the cluster does), and strips the client's", async () => {
    const host = await load({ ...BEDROCK_ROLE, providers: [{ name: "bedrock", type: "bedrock", region: "us-east-1", awsCredentials: "envoy" }] }, () => T0);
    const s = send(host, "bedrock.llm");
    expect(s.localResponse).toBeNull();
    expect(s.requestHeader("authorization")).toBeUndefined();
    expect(s.requestHeader("x-amz-date")).toBeUndefined();
    host.tick();
    expect(host.httpCalls).toHaveLength(0);
  });

  it("azure-openai: an answer without a future expiry, past 64 KiB or with a token unsafe in a header is refused, and requests get a 503 meanwhile", async () => {
    let now = T0;
    const host = await load(AZURE_ENTRA, () => now);
    host.tick();
    host.deliverHttpCallResponse(host.httpCalls[0].token, [[":status", "200"]], JSON.stringify({ access_token: ENTRA, expires_on: String(T0 - 10) }));
    expect(host.logText("warn").join("\n")).toContain("the managed identity endpoint's answer for provider \"azure\" holds no access_token with a future expiry");
    // An answer past 64 KiB is refused unread (docs/limits.md).
    now += 5;
    host.tick();
    host.deliverHttpCallResponse(host.httpCalls[1].token, [[":status", "200"]], JSON.stringify({ access_token: ENTRA, expires_on: String(T0 + 3600), pad: "x".repeat(70_000) }));
    // A token that would break its header line is refused.
    now += 5;
    host.tick();
    host.deliverHttpCallResponse(host.httpCalls[2].token, [[":status", "200"]], JSON.stringify({ access_token: "tok\r\nx-injected: 1", expires_on: String(T0 + 3600) }));
    expect(host.logText("warn").filter((l) => l.includes("holds no access_token"))).toHaveLength(3);
    const s = send(host, "azure.llm");
    expect(s.localResponse!.status).toBe(503);
    expect(json(s.localResponse!.body)).toMatchObject({ error: { message: expect.stringContaining("no access token from the managed identity endpoint yet") } });
    expectNoSecretLogged(host);
  });
});

/** Shared data as another VM (an older build, or a corrupt write) may have left it: never adopted, the filter fetches its own. */
const BEDROCK_SNAPSHOT = "llm-mesh.credential.bedrock.bedrock.outbound|80||instance-data.ec2.internal";
const AZURE_SNAPSHOT = "llm-mesh.credential.azure-openai.azure./metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fcognitiveservices.azure.com%2F&client_id=11111111-2222-3333-4444-555555555555";
const FUTURE = String(T0 + 3600);
describe("a credential snapshot in shared data that is not safe to send is not adopted", () => {
  it.each([
    ["bedrock: a session token with CR", BEDROCK_ROLE, BEDROCK_SNAPSHOT, `${FUTURE}\nASIAX\nsecret\ntok\rx-injected: 1`],
    ["bedrock: a secret with a space", BEDROCK_ROLE, BEDROCK_SNAPSHOT, `${FUTURE}\nASIAX\nsec ret\ntok`],
    ["bedrock: a key id that is not ASCII", BEDROCK_ROLE, BEDROCK_SNAPSHOT, `${FUTURE}\nASIA\u00e9\nsecret\ntok`],
    ["bedrock: a line short (an older layout)", BEDROCK_ROLE, BEDROCK_SNAPSHOT, `${FUTURE}\nASIAX\nsecret`],
    ["azure: the token before the expiry (another layout)", AZURE_ENTRA, AZURE_SNAPSHOT, `tok\n${FUTURE}`],
    ["azure: a token with CR", AZURE_ENTRA, AZURE_SNAPSHOT, `${FUTURE}\ntok\rx-injected: 1`],
    ["azure: a token with a NUL", AZURE_ENTRA, AZURE_SNAPSHOT, `${FUTURE}\ntok\u0000x`],
    ["azure: a token past 8 KiB", AZURE_ENTRA, AZURE_SNAPSHOT, `${FUTURE}\n${"t".repeat(9000)}`],
  ] as const)("%s", async (_name, config, key, snapshot) => {
    const shared = new Map<string, SharedValue>([[key, { value: Buffer.from(snapshot), cas: 1 }]]);
    const host = await load(config, () => T0, shared);
    host.tick();
    const s = send(host, config === AZURE_ENTRA ? "azure.llm" : "bedrock.llm");
    expect(s.localResponse?.status, JSON.stringify(s.upstreamHeaders)).toBe(503);
    expect(host.trap).toBeNull();
  });
});

describe("an expiry absurdly far in the future: the credential is still refreshed within a day", () => {
  it.each([
    ["bedrock: Expiration in the year 9999", BEDROCK_ROLE, (host: HostEmulator) => IMDS_STEPS(0).forEach((step, i) => answer(host, i, i == 2 ? { ...step, body: roleCredentials(0).replace(/"Expiration":"[^"]*"/, '"Expiration":"9999-12-31T23:59:59Z"') } : step, "outbound|80||instance-data.ec2.internal", "169.254.169.254"))],
    ["azure: expires_on a million years on", AZURE_ENTRA, (host: HostEmulator) => host.deliverHttpCallResponse(host.httpCalls[0].token, [[":status", "200"]], JSON.stringify({ access_token: ENTRA, expires_on: String(T0 + 31_557_600_000_000) }))],
    ["azure: expires_in 2^53 - 1", AZURE_ENTRA, (host: HostEmulator) => host.deliverHttpCallResponse(host.httpCalls[0].token, [[":status", "200"]], JSON.stringify({ access_token: ENTRA, expires_in: Number.MAX_SAFE_INTEGER }))],
    // A snapshot another VM left with such an expiry: adopted on every tick, it must not put the refresh off forever.
    ["bedrock: a shared snapshot expiring in a million years", BEDROCK_ROLE, (host: HostEmulator) => IMDS_STEPS(T0 + 3600).forEach((step, i) => answer(host, i, step, "outbound|80||instance-data.ec2.internal", "169.254.169.254")), `${T0 + 31_557_600_000_000}\nASIAX\nsecret\ntok`],
    ["azure: a shared snapshot expiring in a million years", AZURE_ENTRA, (host: HostEmulator) => host.deliverHttpCallResponse(host.httpCalls[0].token, [[":status", "200"]], JSON.stringify({ access_token: ENTRA, expires_in: 3600 })), `${T0 + 31_557_600_000_000}\ntok`],
  ] as [string, typeof BEDROCK_ROLE | typeof AZURE_ENTRA, (host: HostEmulator) => void, string?][])("%s", async (_name, config, deliver, snapshot) => {
    let now = T0;
    const shared = new Map<string, SharedValue>();
    const host = await load(config, () => now, shared);
    host.tick();
    deliver(host);
    if (snapshot) {
      shared.set(config === AZURE_ENTRA ? AZURE_SNAPSHOT : BEDROCK_SNAPSHOT, { value: Buffer.from(snapshot), cas: 99 });
      now = T0 + 10;
      host.tick();
    }
    const calls = host.httpCalls.length;
    expect(send(host, config === AZURE_ENTRA ? "azure.llm" : "bedrock.llm").localResponse).toBeNull();
    now = T0 + 86400;
    host.tick();
    expect(host.httpCalls.length).toBeGreaterThan(calls);
    expect(host.trap).toBeNull();
  });
});

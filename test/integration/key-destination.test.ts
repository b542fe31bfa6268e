// A provider key goes only to that provider's own destination, in real Envoy laid out as an Istio
// sidecar under outboundTrafficPolicy ALLOW_ANY (see test/support/sidecar.ts). An attacker's server
// is the address the app dials; every way in below must leave it without a key, while the honest
// request still reaches the provider with one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { RawReply, RecordingServer, Sidecar, sendHttp1, sendHttp2, sendRaw, startRecordingServer, startSidecar } from "../support/sidecar.js";

const KEY = "sk-test-destination-key-7c1e";
const pluginConfig = {
  providers: [{ name: "openai", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] }],
  routes: [{ name: "openai", match: { host: "api.openai.com" }, backends: [{ provider: "openai" }] }],
};
const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

interface Attack {
  name: string;
  send(s: Sidecar, attacker: number): Promise<RawReply>;
  /** What the client should see: 421 from the filter, or the request passing on without a key. */
  expect: "refused" | "passes-without-key" | "reaches-provider";
}

const attacks: Attack[] = [
  { name: "provider Host with another port, to the attacker's address (port 8080 listener)", expect: "refused",
    send: (s, a) => sendHttp1(s.port8080, a, "api.openai.com", body) },
  { name: "Host api.openai.com:8080 on the port 8080 listener", expect: "passes-without-key",
    send: (s, a) => sendHttp1(s.port8080, a, "api.openai.com:8080", body) },
  { name: "Host api.openai.com:8080 on the port 80 listener", expect: "passes-without-key",
    send: (s, a) => sendHttp1(s.port80, a, "api.openai.com:8080", body) },
  { name: "upper-case Host on the port 8080 listener", expect: "refused",
    send: (s, a) => sendHttp1(s.port8080, a, "API.OPENAI.COM", body) },
  { name: "IP literal dialled with provider Host on port 80 (Envoy routes by Host: to the provider)", expect: "reaches-provider",
    send: (s, a) => sendHttp1(s.port80, a, "api.openai.com", body) },
  { name: "absolute-form URI naming the attacker, Host api.openai.com", expect: "passes-without-key",
    send: (s, a) => sendRaw(s.port80, a, `POST http://127.0.0.1:${a}/v1/chat/completions HTTP/1.1\r\nhost: api.openai.com`, body) },
  { name: "absolute-form URI naming api.openai.com, on the port 8080 listener", expect: "refused",
    send: (s, a) => sendRaw(s.port8080, a, `POST http://api.openai.com/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${a}`, body) },
  { name: "HTTP/2 :authority api.openai.com on the port 8080 listener", expect: "refused",
    send: (s, a) => sendHttp2(s.port8080, a, { ":authority": "api.openai.com" }, body) },
  { name: "HTTP/2 :authority attacker, host header api.openai.com", expect: "passes-without-key",
    send: (s, a) => sendHttp2(s.port80, a, { ":authority": `127.0.0.1:${a}`, host: "api.openai.com" }, body) },
  { name: "HTTP/2 :authority api.openai.com, host header attacker, port 8080 listener", expect: "refused",
    send: (s, a) => sendHttp2(s.port8080, a, { ":authority": "api.openai.com", host: `127.0.0.1:${a}` }, body) },
  { name: "x-envoy-original-dst-host naming the attacker, Host api.openai.com", expect: "reaches-provider",
    send: (s, a) => sendHttp1(s.port80, a, "api.openai.com", body, { "x-envoy-original-dst-host": `127.0.0.1:${a}` }) },
  { name: "the mesh service's own host on port 8080 (no llm-mesh route)", expect: "passes-without-key",
    send: (s, a) => sendHttp1(s.port8080, a, "reviews.default.svc.cluster.local:8080", body) },
];

describe("keys go only to the provider's own destination (Envoy as an Istio sidecar, ALLOW_ANY)", () => {
  let mock: MockProviders;
  let attacker: RecordingServer;
  let meshService: RecordingServer;
  let sidecar: Sidecar;
  const results: string[] = [];

  beforeAll(async () => {
    mock = await startMockProviders([{ name: "openai", type: "openai", acceptedKeys: [KEY] }]);
    attacker = await startRecordingServer();
    meshService = await startRecordingServer();
    sidecar = await startSidecar({
      pluginConfig, providerHosts: ["api.openai.com"], providerUpstream: mock.port,
      meshService: { host: "reviews.default.svc.cluster.local", upstream: meshService.port }, env: { OPENAI_API_KEY: KEY },
    });
  });

  afterAll(async () => {
    console.log(`attack results:\n${results.join("\n")}`);
    await sidecar?.stop();
    await Promise.all([mock?.close(), attacker?.close(), meshService?.close()]);
  });

  it.each(attacks)("$name", async (attack) => {
    const seenByAttacker = attacker.requests.length;
    const seenByProvider = mock.received.length;
    const reply = await attack.send(sidecar, attacker.port);
    const reached = attacker.requests.slice(seenByAttacker);
    for (const r of [...reached, ...meshService.requests]) {
      expect(JSON.stringify(r)).not.toContain(KEY);
    }
    if (attack.expect === "refused") {
      expect(reply.status, reply.body).toBe(421);
      expect(JSON.parse(reply.body).error.code).toBe("destination_not_verified");
      expect(reached).toHaveLength(0);
    } else if (attack.expect === "reaches-provider") {
      expect(reply.status, reply.body).toBe(200);
      expect(reached).toHaveLength(0);
      expect(mock.received.length).toBe(seenByProvider + 1);
      expect(mock.received.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    } else {
      expect(mock.received.length).toBe(seenByProvider);
    }
    results.push(`| ${attack.name} | HTTP ${reply.status} | attacker got ${reached.length} request(s), 0 keys |`);
  });

  it("the attacker never saw the key, in any header or body", () => {
    expect(JSON.stringify(attacker.requests)).not.toContain(KEY);
    expect(JSON.stringify(attacker.requests)).not.toContain("Bearer sk-");
  });
});

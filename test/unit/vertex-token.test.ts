// Vertex AI on GKE: the filter fetches its OAuth token from the metadata server (Workload
// Identity) with an HTTP callout from the root context, at configuration and before expiry, and
// requests never wait for one: without a token they get a 503 in their own API's shape.
import { describe, expect, it } from "vitest";
import { loadFilter, json } from "../support/filter.js";

const CONFIG = {
  requestMode: "body",
  providers: [{ name: "vertex", type: "vertex-ai", project: "my-proj", region: "us-east5", tokenFromMetadataServer: true }],
  routes: [{ name: "vertex", match: { host: "vertex.llm" }, backends: [{ provider: "vertex", model: "gemini-2.5-flash" }] }],
};
const TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

describe("Vertex AI token from the metadata server", () => {
  it("is fetched on the first tick (20 ms after configuration), used by requests, refreshed before expiry without a gap, and retried after a failure", async () => {
    let now = 1_800_000_000n;
    const { host, configured } = await loadFilter(CONFIG, { allowOnHeadersStopIteration: true, clock: () => now * 1_000_000_000n });
    expect(configured, host.logText("warn").join("\n")).toBe(true);
    const send = () => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "vertex.llm", "content-type": "application/json" }, JSON.stringify({ messages: [{ role: "user", content: "x" }] }));
      return s;
    };

    // Never from the configuration callback itself (a failover pool's upstream VM is configured
    // while Envoy is still loading clusters: a callout then crashes it), but on a first tick that
    // comes 20 ms later, then every 100 ms (the tick that also hands metrics to Envoy).
    expect(host.httpCalls).toHaveLength(0);
    expect(host.tickPeriodMs).toBe(20);
    host.tick();
    expect(host.tickPeriodMs).toBe(100);
    expect(host.httpCalls).toHaveLength(1);
    const first = host.httpCalls[0];
    expect(first.upstream).toBe("outbound|80||metadata.google.internal");
    expect(first.headers).toEqual(expect.arrayContaining([[":method", "GET"], [":path", TOKEN_PATH], [":authority", "metadata.google.internal"], ["metadata-flavor", "Google"]]));

    // No token yet: 503 in the client's shape, nothing sent upstream.
    const early = send();
    expect(early.localResponse!.status).toBe(503);
    expect(json(early.localResponse!.body)).toMatchObject({ error: { code: "no_usable_provider", message: expect.stringMatching(/no access token from the metadata server yet/) } });
    host.tick();
    expect(host.httpCalls).toHaveLength(1); // one call in flight at a time

    host.deliverHttpCallResponse(first.token, [[":status", "200"]], JSON.stringify({ access_token: "ya29.first-token", expires_in: 3599, token_type: "Bearer" }));
    const ok = send();
    expect(ok.localResponse).toBeNull();
    expect(ok.requestHeader("authorization")).toBe("Bearer ya29.first-token");
    host.tick();
    expect(host.httpCalls).toHaveLength(1); // fresh: no new call

    // Five minutes before expiry a new token is asked for; requests meanwhile keep the old one.
    now += 3599n - 299n;
    host.tick();
    expect(host.httpCalls).toHaveLength(2);
    expect(send().requestHeader("authorization")).toBe("Bearer ya29.first-token");
    host.deliverHttpCallResponse(host.httpCalls[1].token, [[":status", "500"]], "metadata server on fire ya29.leak");
    expect(host.logText("warn").join("\n")).toMatch(/metadata server answered HTTP 500 for provider "vertex"'s access token; retrying in 5 s/);
    host.tick();
    expect(host.httpCalls).toHaveLength(2); // waits before retrying
    now += 5n;
    host.tick();
    expect(host.httpCalls).toHaveLength(3);
    host.deliverHttpCallResponse(host.httpCalls[2].token, [[":status", "200"]], JSON.stringify({ access_token: "ya29.second-token", expires_in: 3599 }));
    expect(send().requestHeader("authorization")).toBe("Bearer ya29.second-token");

    // Past expiry with no new token: 503 again, never a stale token.
    now += 4000n;
    host.tick();
    host.deliverHttpCallResponse(host.httpCalls[3].token, [[":status", "404"]], "");
    expect(send().localResponse!.status).toBe(503);
    expect(host.logText().join("\n")).not.toMatch(/ya29\./);
    expect(host.trap).toBeNull();
  });

  it("refuses apiKeys beside tokenFromMetadataServer, and a vertex-ai provider with neither", async () => {
    const both = await loadFilter({ ...CONFIG, providers: [{ ...CONFIG.providers[0], apiKeys: [{ value: "t" }] }] });
    expect(both.configured).toBe(false);
    expect(both.host.logText("error").join("\n")).toContain("providers[0].apiKeys: cannot be given with tokenFromMetadataServer: true");
    const neither = await loadFilter({ ...CONFIG, providers: [{ name: "vertex", type: "vertex-ai", project: "p", region: "us-east5" }] });
    expect(neither.configured).toBe(false);
    expect(neither.host.logText("error").join("\n")).toContain("providers[0].apiKeys: is required for type vertex-ai unless tokenFromMetadataServer is true");
  });
});

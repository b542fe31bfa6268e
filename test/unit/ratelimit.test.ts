// The toolchain's side of global quotas: the rate limit service's config, and the Istio objects'
// refusals when something they need is missing.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { globalLimits, ratelimitServiceConfig, rateLimitFilter } from "../../src-host-tools/ratelimit/envoy.js";
import { allObjects } from "../../src-host-tools/manifests/istio.js";
import { placementFrom } from "../../src-host-tools/commands/manifests.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";
import type { LlmMeshConfig } from "../../src-host-tools/config/schema.js";

const config: LlmMeshConfig = {
  providers: [{ name: "openai", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] }],
  routes: [{ name: "chat", match: { host: "api.openai.com" }, backends: [{ provider: "openai" }] }],
  consumers: [
    { name: "batch", principals: ["spiffe://cluster.local/ns/a/sa/batch"], limits: [{ requestsPerMinute: 60, tokensPerDay: 1_000_000, global: true }, { tokensPerMinute: 5000 }] },
    { name: "local-only", principals: ["spiffe://cluster.local/ns/a/sa/l"], limits: [{ tokensPerMinute: 10 }] },
  ],
};

describe("global quotas in the toolchain", () => {
  it("only limits marked global go to the rate limit service, one descriptor per consumer and kind", () => {
    expect(globalLimits(config)).toEqual([
      { consumer: "batch", kind: "requests", max: 60, unit: "minute" },
      { consumer: "batch", kind: "tokens-day", max: 1_000_000, unit: "day" },
    ]);
    expect(parse(ratelimitServiceConfig(config))).toEqual({
      domain: "llm-mesh",
      descriptors: [{ key: "llm_mesh_consumer", value: "batch", descriptors: [
        { key: "llm_mesh_limit", value: "requests", rate_limit: { unit: "minute", requests_per_unit: 60 } },
        { key: "llm_mesh_limit", value: "tokens-day", rate_limit: { unit: "day", requests_per_unit: 1_000_000 } },
      ] }],
    });
  });

  it("the filter names the consumer from filter state (never a header), reserves a request's worst case before it goes, and adds only what it used beyond that when the stream is done", () => {
    const filter = rateLimitFilter() as any;
    const limits = filter.typed_config.rate_limits;
    const text = JSON.stringify(limits);
    expect(text).toContain("filter_state['wasm.llm_mesh.consumer']");
    expect(text).not.toContain("request_headers");
    expect(limits.filter((l: any) => !l.apply_on_stream_done && l.hits_addend?.format === "%FILTER_STATE(wasm.llm_mesh.reserved_tokens:PLAIN)%")).toHaveLength(2);
    expect(limits.filter((l: any) => l.apply_on_stream_done && l.hits_addend.format === "%FILTER_STATE(wasm.llm_mesh.unreserved_tokens:PLAIN)%")).toHaveLength(2);
    expect(filter.typed_config.failure_mode_deny).toBe(false);
  });

  it("manifests refuse global limits without --ratelimit-service, and in a waypoint", () => {
    const base = { config, image: "oci://r.example.com/llm-mesh", digest: EXAMPLE_DIGEST };
    expect(() => allObjects({ ...base, placement: placementFrom({ mode: "sidecar", selector: ["app=x"] }) })).toThrow(/--ratelimit-service HOST:PORT/);
    expect(() => allObjects({ ...base, placement: placementFrom({ mode: "sidecar", selector: ["app=x"] }), rateLimitService: "not a host" })).toThrow(/HOST:PORT/);
    expect(() => allObjects({ ...base, requestMode: "headers", placement: placementFrom({ mode: "waypoint", waypoint: "w" }), rateLimitService: "rl.ns.svc.cluster.local:8081" })).toThrow(/waypoint/);
    const objects = allObjects({ ...base, placement: placementFrom({ mode: "sidecar", selector: ["app=x"] }), rateLimitService: "rl.ns.svc.cluster.local:8081" });
    expect(JSON.stringify(objects)).toContain("outbound|8081||rl.ns.svc.cluster.local");
  });
});

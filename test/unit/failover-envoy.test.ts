// The Envoy objects the toolchain writes for failover routes and timeouts: retry statuses, the
// pool's endpoints, TLS and outlier detection, and the timeouts a provider's Envoy route gets.
import { describe, expect, it } from "vitest";
import { longestTimeouts, outlierDetection, providerTimeouts, poolCluster, poolRouteAction, retriableStatuses, routeTimeouts } from "../../src-host-tools/failover/envoy.js";

describe("failover and timeouts in Envoy's terms", () => {
  it.each([
    { retryOn: undefined, statuses: [429, 500, 502, 503, 504] },
    { retryOn: [429], statuses: [429, 503] }, // a backend whose keys all rest is shown to Envoy as 503
    { retryOn: [500, 408], statuses: [408, 500] },
  ])("retryOn $retryOn → Envoy retries $statuses", ({ retryOn, statuses }) => {
    expect(retriableStatuses({ retryOn })).toEqual(statuses);
  });

  it.each([
    { routes: [], expected: { timeout: "600s", idle_timeout: "300s" } },
    { routes: [{ streamIdleMs: 60_000, requestMs: 1000 }], expected: { timeout: "1s", idle_timeout: "60s" } },
    { routes: [{ streamIdleMs: 60_000 }, { requestMs: 0 }], expected: { timeout: "0s", idle_timeout: "300s" } },
    { routes: [undefined, { requestMs: 900_000 }], expected: { timeout: "900s", idle_timeout: "300s" } },
  ])("a provider's Envoy route serving routes with $routes gets the longest timeouts", ({ routes, expected }) => {
    expect(routeTimeouts(longestTimeouts(routes))).toEqual(expected);
  });

  it("a provider's route takes the longest timeouts of the plain routes using it; failover routes have their own", () => {
    const providers = [{ name: "a", type: "openai" }, { name: "b", type: "anthropic" }];
    const routes = [
      { name: "x", backends: [{ provider: "a" }], timeouts: { requestMs: 1000 } },
      { name: "y", backends: [{ provider: "a" }, { provider: "b" }], timeouts: { requestMs: 5000, streamIdleMs: 1000 } },
      { name: "z", backends: [{ provider: "b" }], failover: {}, timeouts: { requestMs: 0 } },
    ];
    expect(routeTimeouts(providerTimeouts(routes, providers, "api.openai.com"))).toEqual({ timeout: "5s", idle_timeout: "300s" });
    expect(routeTimeouts(providerTimeouts(routes, providers, "api.anthropic.com"))).toEqual({ timeout: "5s", idle_timeout: "1s" });
  });

  it("an MCP server's route has no overall timeout unless its route sets one (a GET stream lives as long as the session); the idle limit holds", () => {
    const providers = [{ name: "gh", type: "mcp", host: "mcp.example.com" }, { name: "inv", type: "mcp", host: "inv.example.com" }];
    const routes = [
      { name: "gh", backends: [{ provider: "gh" }] },
      { name: "inv", backends: [{ provider: "inv" }], timeouts: { requestMs: 30_000 } },
    ];
    expect(routeTimeouts(providerTimeouts(routes, providers, "mcp.example.com"))).toEqual({ timeout: "0s", idle_timeout: "300s" });
    expect(routeTimeouts(providerTimeouts(routes, providers, "inv.example.com"))).toEqual({ timeout: "30s", idle_timeout: "300s" });
  });

  it("the route action: the pool, attempts - 1 retries on hosts not tried yet, the try limits", () => {
    const action = poolRouteAction({ name: "chat", backends: [], failover: { attempts: 4, perTryTimeoutMs: 30_000, perTryIdleTimeoutMs: 5_000 }, timeouts: { requestMs: 0 } }) as any;
    expect(action.cluster).toBe("llm-mesh-failover|chat");
    expect(action.timeout).toBe("0s");
    expect(action.retry_policy.num_retries).toBe(3);
    expect(action.retry_policy.per_try_timeout).toBe("30s");
    expect(action.retry_policy.per_try_idle_timeout).toBe("5s");
    expect(action.retry_policy.retry_on).toContain("connect-failure");
    expect(action.retry_policy.retry_host_predicate[0].name).toBe("envoy.retry_host_predicates.previous_hosts");
  });

  it("outlier detection: consecutive failures eject for base × ejections, up to max, every backend may be ejected", () => {
    expect(outlierDetection({ ejection: { consecutiveFailures: 2, baseMs: 1500, maxMs: 60_000 } })).toMatchObject({
      consecutive_5xx: 2, consecutive_gateway_failure: 2, base_ejection_time: "1.5s", max_ejection_time: "60s", max_ejection_percent: 100,
    });
  });

  it("the pool: an endpoint per backend, weighted and tagged; each TLS host its own SNI and certificate name; the upstream filter before the codec", () => {
    const providers = [{ name: "openai", type: "openai" }, { name: "claude", type: "anthropic" }, { name: "local", type: "ollama" }];
    const route = { name: "chat", backends: [{ provider: "openai", weight: 3 }, { provider: "claude" }, { provider: "local" }], failover: {} };
    const cluster = poolCluster(route, providers, { upstreamFilters: [{ name: "llm-mesh-upstream" }], bufferLimitBytes: 1024 }) as any;
    const endpoints = cluster.load_assignment.endpoints[0].lb_endpoints;
    expect(endpoints.map((e: any) => [e.endpoint.hostname, e.load_balancing_weight, e.metadata.filter_metadata["llm-mesh"].backend])).toEqual([
      ["api.openai.com", 3, "chat/0"], ["api.anthropic.com", 1, "chat/1"], ["localhost", 1, "chat/2"],
    ]);
    // Plain HTTP for ollama: no TLS match on its endpoint.
    expect(endpoints[2].metadata.filter_metadata["envoy.transport_socket_match"]).toBeUndefined();
    const matches = cluster.transport_socket_matches.map((m: any) => [m.match["llm-mesh-tls"], m.transport_socket.typed_config.sni,
      m.transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names[0].matcher.exact]);
    expect(matches).toEqual([["api.openai.com", "api.openai.com", "api.openai.com"], ["api.anthropic.com", "api.anthropic.com", "api.anthropic.com"]]);
    const filters = cluster.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].http_filters.map((f: any) => f.name);
    expect(filters).toEqual(["llm-mesh-upstream", "envoy.filters.http.upstream_codec"]);
    expect(cluster.circuit_breakers.thresholds[0].max_retries).toBeGreaterThanOrEqual(64);
  });

  it("a backend naming a provider the config lacks is an error, not a silent pool without it", () => {
    expect(() => poolCluster({ name: "r", backends: [{ provider: "nope" }] }, [], { upstreamFilters: [], bufferLimitBytes: 1 })).toThrow(/no provider named "nope"/);
  });
});

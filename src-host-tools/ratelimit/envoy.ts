// Global quotas: limits shared by many Envoys are kept by Envoy's rate limit service (the
// envoyproxy/ratelimit program, Redis behind it). llm-mesh supplies what Envoy cannot know: who the
// consumer is (filter state wasm.llm_mesh.consumer, read by a CEL descriptor, so a client cannot
// claim to be someone else), the worst case of a request before it goes (wasm.llm_mesh.reserved_tokens)
// and, once its answer is done, what it used beyond that (wasm.llm_mesh.unreserved_tokens). This file
// writes Envoy's side (the filter, the route's rate limits, the cluster) and the service's config.
import { stringify } from "yaml";
import type { LlmMeshConfig } from "../config/schema.js";

export const RATELIMIT_DOMAIN = "llm-mesh";
export const RATELIMIT_CLUSTER = "llm_mesh_ratelimit";

type Kind = "requests" | "tokens-minute" | "tokens-day";

/** The global limits of a config: consumer, kind, how many per unit. */
export function globalLimits(config: Pick<LlmMeshConfig, "consumers">): { consumer: string; kind: Kind; max: number; unit: "minute" | "day" }[] {
  const out: ReturnType<typeof globalLimits> = [];
  for (const c of config.consumers ?? []) {
    for (const l of c.limits ?? []) {
      if (l.global !== true) continue;
      if (l.requestsPerMinute) out.push({ consumer: c.name, kind: "requests", max: l.requestsPerMinute, unit: "minute" });
      if (l.tokensPerMinute) out.push({ consumer: c.name, kind: "tokens-minute", max: l.tokensPerMinute, unit: "minute" });
      if (l.tokensPerDay) out.push({ consumer: c.name, kind: "tokens-day", max: l.tokensPerDay, unit: "day" });
    }
  }
  return out;
}

/** The rate limit service's config file (its YAML, for RUNTIME_ROOT/…/config/ or a ConfigMap). */
export function ratelimitServiceConfig(config: Pick<LlmMeshConfig, "consumers">): string {
  const byConsumer = new Map<string, { key: string; value: string; rate_limit: { unit: string; requests_per_unit: number } }[]>();
  for (const l of globalLimits(config)) {
    const list = byConsumer.get(l.consumer) ?? [];
    list.push({ key: "llm_mesh_limit", value: l.kind, rate_limit: { unit: l.unit, requests_per_unit: l.max } });
    byConsumer.set(l.consumer, list);
  }
  return stringify({
    domain: RATELIMIT_DOMAIN,
    descriptors: [...byConsumer].map(([consumer, descriptors]) => ({ key: "llm_mesh_consumer", value: consumer, descriptors })),
  });
}

/** The consumer, from llm-mesh's filter state (absent: the rate limit is skipped for the request). */
function consumerDescriptor(): Record<string, unknown> {
  return {
    extension: {
      name: "llm_mesh_consumer",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor",
        descriptor_key: "llm_mesh_consumer",
        text: "filter_state['wasm.llm_mesh.consumer']",
        skip_if_error: true,
      },
    },
  };
}

const limitDescriptor = (kind: Kind) => ({ generic_key: { descriptor_key: "llm_mesh_limit", descriptor_value: kind } });

/**
 * The rate limits of every llm-mesh Envoy route: a request counts 1 against its consumer's
 * requests; before it goes, its token limits take its worst case (input estimate + output cap,
 * filter state wasm.llm_mesh.reserved_tokens, written at body time: over the limit → 429); when its
 * answer is done, only what it used beyond that is added (wasm.llm_mesh.unreserved_tokens). The
 * service cannot subtract, so the unused part of a reservation is never given back (docs/quotas.md).
 */
export function routeRateLimits(): Record<string, unknown>[] {
  const tokens = (kind: Kind) => [
    { actions: [consumerDescriptor(), limitDescriptor(kind)], hits_addend: { format: "%FILTER_STATE(wasm.llm_mesh.reserved_tokens:PLAIN)%" } },
    { actions: [consumerDescriptor(), limitDescriptor(kind)], hits_addend: { format: "%FILTER_STATE(wasm.llm_mesh.unreserved_tokens:PLAIN)%" }, apply_on_stream_done: true },
  ];
  return [{ actions: [consumerDescriptor(), limitDescriptor("requests")] }, ...tokens("tokens-minute"), ...tokens("tokens-day")];
}

/** Envoy's rate limit HTTP filter, after llm-mesh (which identifies the consumer) and before the router. */
export function rateLimitFilter(cluster = RATELIMIT_CLUSTER): Record<string, unknown> {
  return {
    name: "envoy.filters.http.ratelimit",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
      domain: RATELIMIT_DOMAIN,
      // A rate limit service that cannot be reached does not stop traffic (Envoy's default); its
      // errors are counted in ratelimit.error.
      failure_mode_deny: false,
      timeout: "0.5s",
      enable_x_ratelimit_headers: "DRAFT_VERSION_03",
      // The limits live in the filter, not in each route: every request through it is counted (those
      // of no consumer are skipped by the descriptor), and hits_addend is honoured here.
      rate_limits: routeRateLimits(),
      rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: cluster } }, transport_api_version: "V3" },
    },
  };
}

/** The gRPC cluster of the rate limit service. */
export function rateLimitCluster(address: string, port: number): Record<string, unknown> {
  return {
    name: RATELIMIT_CLUSTER,
    type: "STATIC",
    connect_timeout: "1s",
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    load_assignment: { cluster_name: RATELIMIT_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: port } } } }] }] },
  };
}

// A failover route's backends form one Envoy cluster (the pool): one endpoint per backend, weighted,
// tagged in its metadata with "<route>/<index>". The downstream filter sends the request to the
// pool's authority unrewritten; Envoy's load balancer picks an endpoint for each try (skipping
// ejected ones, never the same twice), and the filter in the pool cluster's upstream chain rewrites
// that try for the backend it reached. Keys that answered 429 rest for their Retry-After here,
// shared by every worker thread through the VM's shared data.
import { COUNTER, defineMetric, getProperty, getSharedNumber, incrementMetric, setProperty, setPropertyBytes, setSharedNumber } from "../host";
import { tag } from "../metrics/record";
import { Provider } from "../providers/provider";

/** Envoy's cluster for a route's backend pool (the toolchain names it the same). */
export function poolClusterName(routeName: string): string {
  return "llm-mesh-failover|" + routeName;
}

/** The authority the downstream filter sends a failover route's requests to; Envoy routes it to the pool. */
export function poolAuthority(routeName: string): string {
  return routeName + ".failover.llm-mesh.internal";
}

// One token with a dot: Envoy keys filter state by the whole name (wasm.llm_mesh.tried), also readable in access logs.
const P_TRIED = String.UTF8.encode("llm_mesh.tried");
/** Set by the downstream filter when it sends a request to a route's pool: clients cannot set filter state. */
export const P_POOL = String.UTF8.encode("llm_mesh.pool");

/** Downstream: marks the request as sent to a route's pool (its name, UTF-8) by llm-mesh itself. */
export function markPooled(routeNameBytes: ArrayBuffer): void {
  setPropertyBytes(P_POOL, changetype<usize>(routeNameBytes), routeNameBytes.byteLength);
}

/** Adds a backend's provider name to the request's list of backends tried (filter state, read for the final error). */
export function recordTry(provider: Provider): void {
  const before = getProperty(P_TRIED);
  setProperty(P_TRIED, before === null || before.length == 0 ? provider.name : before + "," + provider.name);
}

/** The backends tried so far, comma-separated ("" when none). */
export function triedBackends(): string {
  const tried = getProperty(P_TRIED);
  return tried !== null ? tried : "";
}

const coolKeyNames = new Map<string, ArrayBuffer>();

/** Shared-data key holding the time (ms) until which a provider's key rests. */
function restKey(provider: Provider, index: i32): ArrayBuffer {
  const name = "llm-mesh/rest/" + provider.name + "/" + index.toString();
  if (coolKeyNames.has(name)) return coolKeyNames.get(name);
  const bytes = String.UTF8.encode(name);
  coolKeyNames.set(name, bytes);
  return bytes;
}

/** A key to use: the next in turn that is not resting; when all rest, the one whose rest ends first. */
export class KeyChoice {
  constructor(public index: i32, public allResting: bool) {}
}

export function chooseKey(provider: Provider, nowMs: i64): KeyChoice {
  const n = provider.keyCount();
  if (n == 0) return new KeyChoice(-1, false);
  let soonest = -1;
  let soonestUntil: i64 = i64.MAX_VALUE;
  for (let k = 0; k < n; k++) {
    const index = provider.nextKeyIndex();
    const until = getSharedNumber(restKey(provider, index));
    if (until <= nowMs) return new KeyChoice(index, false);
    if (until < soonestUntil) { soonestUntil = until; soonest = index; }
  }
  return new KeyChoice(soonest, true);
}

const restCounters = new Map<string, u32>();

/** Counts a key put to rest, per provider (Prometheus: llm_mesh_key_rests_total{llm_mesh_backend}). */
function countRest(provider: Provider): void {
  if (!restCounters.has(provider.name)) restCounters.set(provider.name, defineMetric(COUNTER, tag("llm_mesh_backend", provider.name) + "llm_mesh.key_rests.total"));
  incrementMetric(restCounters.get(provider.name), 1);
}

/** Rests a key until `untilMs`; true when another key of the provider is still usable now. */
export function restKeyUntil(provider: Provider, index: i32, untilMs: i64, nowMs: i64): bool {
  countRest(provider);
  if (index < 0) return false;
  setSharedNumber(restKey(provider, index), untilMs);
  const n = provider.keyCount();
  for (let k = 0; k < n; k++) if (k != index && getSharedNumber(restKey(provider, k)) <= nowMs) return true;
  return false;
}

/** Retry-After as milliseconds: delta-seconds (RFC 9110); -1 when absent or an HTTP date (the policy's backoff applies). */
export function retryAfterMs(value: string | null): i64 {
  if (value === null) return -1;
  const text = value.trim();
  if (text.length == 0 || text.length > 9) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return I64.parseInt(text) * 1000;
}

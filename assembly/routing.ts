// Compiled routes and the per-request decisions made from them: which route matches, which
// backend is picked, which model is sent.
import { HeaderPatterns } from "./request/forwarded-headers";
import { ModelPatterns } from "./fields/model-patterns";
import { FailoverPolicy, RouteTimeouts } from "./failover/policy";
import { Provider } from "./providers/provider";
import { OPERATION_COUNT, Operation } from "./api";
import { randomU32 } from "./host";
import { jsonString } from "./json/splice";
import { BackendMetrics } from "./metrics/record";
import { RequestPolicy } from "./policy/config";
import { RouteMcp } from "./mcp/access";

export enum HeaderMatchKind { Exact, Prefix, Present, Absent }

/** One request-header condition. */
export class HeaderMatch {
  nameBytes: ArrayBuffer;
  constructor(public name: string, public kind: HeaderMatchKind, public value: string) {
    this.nameBytes = String.UTF8.encode(name);
  }

  matches(actual: string | null): bool {
    if (this.kind == HeaderMatchKind.Present) return actual !== null;
    if (this.kind == HeaderMatchKind.Absent) return actual === null;
    if (actual === null) return false;
    if (this.kind == HeaderMatchKind.Exact) return actual == this.value;
    return actual.startsWith(this.value);
  }
}

/** All conditions must hold; an absent condition always holds. */
export class RouteMatch {
  routeName: string | null = null;
  /** Exact host, lower-case, without port. */
  host: string | null = null;
  /** For `*.example.com`: ".example.com". */
  hostSuffix: string | null = null;
  /**
   * The port the request's authority must name. 0: none, or the scheme's default (80 for http,
   * 443 for https), which is how clients write the provider hosts the mesh serves on port 80.
   */
  port: i32 = 0;
  pathPrefix: string | null = null;
  headers: HeaderMatch[] = [];
  /** The client's model (body mode only); null: any request, with or without a model. */
  models: ModelPatterns | null = null;
}

/** Maps a client's model name: exact names first, then the longest `prefix*`, then `*`. */
export class ModelMapping {
  exact: Map<string, string> = new Map();
  prefixes: string[] = [];
  prefixTargets: string[] = [];
  wildcard: string | null = null;

  isEmpty(): bool { return this.exact.size == 0 && this.prefixes.length == 0 && this.wildcard === null; }

  add(from: string, to: string): void {
    if (from == "*") { this.wildcard = to; return; }
    if (from.endsWith("*")) {
      const prefix = from.substring(0, from.length - 1);
      // Keep longest prefixes first so the most specific wins.
      this.prefixes.push(prefix);
      this.prefixTargets.push(to);
      let i = this.prefixes.length - 1;
      while (i > 0 && this.prefixes[i - 1].length < prefix.length) {
        this.prefixes[i] = this.prefixes[i - 1];
        this.prefixTargets[i] = this.prefixTargets[i - 1];
        i--;
      }
      this.prefixes[i] = prefix;
      this.prefixTargets[i] = to;
      return;
    }
    this.exact.set(from, to);
  }

  /** The mapped model, or null when nothing matches. A missing client model only matches `*`. */
  resolve(model: string | null): string | null {
    if (model !== null) {
      if (this.exact.has(model)) return this.exact.get(model);
      for (let i = 0; i < this.prefixes.length; i++) if (model.startsWith(this.prefixes[i])) return this.prefixTargets[i];
    }
    return this.wildcard;
  }
}

/** One weighted destination of a route. */
export class Backend {
  /** Fixed model for this backend; wins over any mapping. */
  model: string | null = null;
  /** The largest output cap its model accepts (`maxOutputTokens`), -1: the built-in default for the model. */
  maxOutputTokens: i64 = -1;
  mapping: ModelMapping = new ModelMapping();
  /** The upstream :path per operation, encoded once (it depends only on config). */
  pathBytes: StaticArray<ArrayBuffer> = new StaticArray<ArrayBuffer>(OPERATION_COUNT);
  /** Its metric labels and last label set (metrics/record.ts). */
  metrics: BackendMetrics = new BackendMetrics();
  /** The fixed model as a JSON string literal in UTF-8, encoded once (the body's new "model" value); null without one. */
  modelJson: ArrayBuffer | null = null;
  /** The fixed model in UTF-8 (x-llm-mesh-model); null without one. */
  modelBytes: ArrayBuffer | null = null;
  constructor(public provider: Provider, public weight: i32) {}

  /** Encodes the upstream paths and the fixed model; call after the provider and model are set. */
  prepare(): void {
    if (this.model !== null) { this.modelJson = String.UTF8.encode(jsonString(this.model!)); this.modelBytes = String.UTF8.encode(this.model!); }
    for (let op = 0; op < OPERATION_COUNT; op++) this.pathBytes[op] = String.UTF8.encode(this.provider.upstreamPath(<Operation>op, this.model));
  }

  /**
   * The model to send: the backend's fixed model, else the mapping of the client's, else the
   * provider's override, else the client's own, else the provider's default; null if none.
   */
  resolveModel(clientModel: string | null): string | null {
    if (this.model !== null) return this.model;
    const mapped = this.mapping.resolve(clientModel);
    if (mapped !== null) return mapped;
    if (this.provider.overrideModel !== null) return this.provider.overrideModel;
    if (clientModel !== null) return clientModel;
    return this.provider.defaultModel;
  }
}

export class Route {
  match: RouteMatch = new RouteMatch();
  /** Set by config (`catchAll: true`) to accept a route that matches every request. */
  catchAll: bool = false;
  /** What GET …/models lists for this route: model names, and their OpenAI list items, built once. */
  modelIds: string[] = [];
  modelItems: string[] = [];
  backends: Backend[] = [];
  /** Backends whose provider is usable, with running weight totals for the pick. */
  usable: Backend[] = [];
  cumulativeWeights: i32[] = [];
  totalWeight: i32 = 0;
  /** The name as UTF-8, for the access log's filter state. */
  nameBytes: ArrayBuffer;
  /** Set when Envoy re-sends failed tries to the route's other backends (failover/). */
  failover: FailoverPolicy | null = null;
  timeouts: RouteTimeouts = new RouteTimeouts();
  /** A failover route's pool authority, encoded on first use (failover/pool.ts). */
  poolAuthorityBytes: ArrayBuffer | null = null;
  /** Requests without a known consumer are refused (401). */
  requireConsumer: bool = false;
  /** hostedTools: "refuse": a client's hosted tool the backend lacks is a 400 instead of being dropped (translate/responses-tools.ts). */
  refuseHostedTools: bool = false;
  /** Template, added messages, content rules and answer extraction (policy/). */
  policy: RequestPolicy | null = null;
  /** Client headers passed to the provider beyond the default (request/forwarded-headers.ts). */
  forwardHeaders: HeaderPatterns = new HeaderPatterns();
  /** Set on an MCP route (its one backend an MCP server): allow-lists and limits (mcp/access.ts). */
  mcp: RouteMcp | null = null;
  constructor(public name: string) { this.nameBytes = String.UTF8.encode(name); }

  /** Called once after backends are known. */
  finish(): void {
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[i];
      if (!b.provider.usable) continue;
      this.totalWeight += b.weight;
      this.usable.push(b);
      this.cumulativeWeights.push(this.totalWeight);
    }
  }

  /**
   * Picks a usable backend in proportion to weight, or null when none is usable. Randomness comes
   * from WASI random_get rather than a hash of x-request-id: clients can set that header, and a
   * client sending a constant id would pin all of its traffic to one backend.
   */
  pickBackend(): Backend | null {
    const n = this.usable.length;
    if (n == 0) return null;
    if (n == 1) return this.usable[0];
    // Multiply-shift maps a u32 onto [0, total) without modulo bias worth measuring.
    const ticket = <i32>((<u64>randomU32() * <u64>this.totalWeight) >> 32);
    for (let i = 0; i < n; i++) if (ticket < this.cumulativeWeights[i]) return this.usable[i];
    return this.usable[n - 1];
  }
}

/** An authority split into a lower-case host and a port (-1: none given, -2: not a valid port). */
/** Routes by the exact host they match (lower case, no port), and the rest, each in config order. */
export class RouteIndex {
  byHost: Map<string, i32[]> = new Map();
  withoutExactHost: i32[] = [];

  static of(routes: Route[]): RouteIndex {
    const index = new RouteIndex();
    for (let i = 0; i < routes.length; i++) {
      const host = routes[i].match.host;
      if (host === null) { index.withoutExactHost.push(i); continue; }
      if (!index.byHost.has(host!)) index.byHost.set(host!, []);
      index.byHost.get(host!).push(i);
    }
    return index;
  }
}

export class Authority {
  constructor(public host: string, public port: i32) {}

  static parse(authority: string): Authority {
    // IPv6 literals keep their brackets; only a trailing :port is split off.
    const colon = authority.lastIndexOf(":");
    if (colon < 0 || authority.lastIndexOf("]") > colon) return new Authority(authority.toLowerCase(), -1);
    const digits = authority.substring(colon + 1);
    let port: i32 = digits.length == 0 || digits.length > 5 ? -2 : 0;
    for (let i = 0; i < digits.length && port >= 0; i++) {
      const c = digits.charCodeAt(i);
      port = c >= 0x30 && c <= 0x39 ? port * 10 + (c - 0x30) : -2;
    }
    if (port > 65535) port = -2;
    return new Authority(authority.substring(0, colon).toLowerCase(), port);
  }
}

/**
 * True when the route's host condition holds. The port counts: a host written without a port
 * matches only requests to the scheme's default port (no port, or :80 for http, :443 for https),
 * so `Host: api.openai.com:8080` does not match a route for api.openai.com.
 */
export function hostMatches(match: RouteMatch, authority: Authority, https: bool): bool {
  if (match.host === null && match.hostSuffix === null) return true;
  if (authority.port == -2) return false;
  if (match.port > 0) {
    if (authority.port != match.port) return false;
  } else if (authority.port >= 0 && authority.port != (https ? 443 : 80)) {
    return false;
  }
  const host = authority.host;
  if (match.host !== null) return host == match.host!;
  return host.endsWith(match.hostSuffix!) && host.length > match.hostSuffix!.length;
}

/** True when a route's conditions hold for every request: no host, route name or header that must be present. */
export function matchesEverything(m: RouteMatch): bool {
  // A model condition narrows by the body's model, not by destination: it does not scope a route.
  if (m.routeName !== null || m.host !== null || m.hostSuffix !== null) return false;
  if (m.pathPrefix !== null && m.pathPrefix! != "/") return false;
  for (let i = 0; i < m.headers.length; i++) if (m.headers[i].kind != HeaderMatchKind.Absent) return false;
  return true;
}

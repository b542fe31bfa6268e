// Header time: which routes may apply, and whether the request is one llm-mesh serves at all
// (endpoint, method, declared size). Nothing here needs the body.
import { Config } from "../config/load";
import { BAD_REQUEST, INVALID_MODEL, METHOD_NOT_ALLOWED, MISDIRECTED, NOT_FOUND, NO_PROVIDER, TOO_LARGE, UNSUPPORTED_OPERATION, Reply } from "../errors";
import { destinationRefusal } from "../destination";
import { HeaderSnapshot } from "../headers";
import { getProperty, nowSeconds, propertyPath } from "../host";
import { adoptSharedCredential } from "../token-refresh";
import { H_ANTHROPIC_VERSION } from "../providers/provider";
import { Operation, operationApi, operationName, WireApi } from "../api";
import { asksForSse, readGeminiPath } from "./gemini-path";
import { jsonString } from "../json/splice";
import { translatorFor } from "../translate/registry";
import { Authority, Backend, Route, hostMatches } from "../routing";
import { RequestState } from "./state";
import { admitConsumer, identify } from "./identify";
import { H_AUTHORITY, H_CONTENT_LENGTH, H_METHOD, H_PATH, H_SCHEME } from "./header-names";

const P_ROUTE_NAME = propertyPath(["xds", "route_name"]);

/** The client's path without its query string (which may hold a key and is never echoed). */
export function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q >= 0 ? path.substring(0, q) : path;
}

/** Which operation a client path asks for; -1 when unsupported. "/" means chat (ASM style). */
export function operationFor(p: string): i32 {
  if (p == "/" || p.length == 0 || p.endsWith("/chat/completions")) return Operation.ChatCompletions;
  if (p.endsWith("/messages")) return Operation.Messages;
  if (p.endsWith("/messages/count_tokens")) return Operation.CountTokens;
  if (p.endsWith("/responses")) return Operation.Responses;
  if (p.endsWith("/completions")) return Operation.Completions;
  if (p.endsWith("/embeddings")) return Operation.Embeddings;
  return -1;
}

/**
 * Fills state.candidates with the routes whose header conditions hold (stopping at the first that
 * has no model condition: it wins whatever the body says) and checks the request. Returns a local
 * reply, or null; with no candidate (state.candidates empty) the request is not llm-mesh's.
 */
export function admit(config: Config, headers: HeaderSnapshot, state: RequestState, endOfStream: bool): Reply | null {
  matchHeaderConditions(config, headers, state);
  if (state.candidates.length == 0) return null;
  const first = state.candidates[0];
  // An MCP route carries JSON-RPC, admitted by its own step (mcp-admit.ts).
  if (first.mcp !== null) return null;
  const rawPath = headers.get(H_PATH);
  const path = pathOnly(rawPath !== null ? rawPath : "/");
  // A Gemini client hears every refusal, its key's included, in Gemini's shape.
  const gemini = readGeminiPath(path);
  if (gemini !== null) state.clientApi = WireApi.Gemini;
  const refused = identify(config, headers, state);
  if (refused !== null) return refused;

  if (path.endsWith("/models") && headers.valueIs(H_METHOD, V_GET)) {
    // The list asks for a consumer like every other path: only the routes and models the caller may use.
    const refused = keepListableRoutes(state);
    if (refused !== null) return refused;
    // Anthropic's SDKs send anthropic-version on every call; they get Anthropic's list shape.
    return Reply.json(headers.indexOf(H_ANTHROPIC_VERSION) >= 0 ? anthropicModelList(state) : modelList(state));
  }
  if (gemini !== null) {
    if (gemini.error !== null) return Reply.error(gemini.unknownMethod ? NOT_FOUND : INVALID_MODEL, gemini.error!);
    state.pathModel = gemini.model;
    // Without alt=sse Gemini streams one JSON array, which llm-mesh does not write (docs/translation.md).
    if (gemini.op == Operation.GeminiStream && !asksForSse(rawPath!.length > path.length ? rawPath!.substring(path.length + 1) : "")) {
      return Reply.error(BAD_REQUEST, "llm-mesh streams Gemini answers as server-sent events only: add ?alt=sse to streamGenerateContent");
    }
  }
  const op = gemini !== null ? <i32>gemini.op : operationFor(path);
  if (op < 0) return Reply.error(NOT_FOUND, "llm-mesh route \"" + first.name + "\" serves POST /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/messages, /v1/messages/count_tokens and /v1/responses, and GET /v1/models; this path is none of them");
  state.operation = <Operation>op;
  state.clientApi = operationApi(<Operation>op);
  if (!headers.valueIs(H_METHOD, V_POST)) return Reply.error(METHOD_NOT_ALLOWED, "use POST for this endpoint (GET is only for /v1/models)");
  const contentLength = headers.get(H_CONTENT_LENGTH);
  if (contentLength !== null && I64.parseInt(contentLength) > config.maxRequestBodyBytes) return tooLarge(config);
  if (endOfStream) return Reply.error(BAD_REQUEST, "a JSON request body is required");
  return null;
}

export function tooLarge(config: Config): Reply {
  return Reply.error(TOO_LARGE, "request body exceeds the llm-mesh limit of " + config.maxRequestBodyBytes.toString() + " bytes");
}

/**
 * Routes whose header conditions hold, in config order, up to the first without a model condition.
 * Only routes that could match are looked at: those for the request's exact host (an index built
 * at load) and those without an exact host, merged in order, so the cost does not grow with the
 * routes of other hosts.
 */
function matchHeaderConditions(config: Config, headers: HeaderSnapshot, state: RequestState): void {
  const routes = config.routes;
  const a = headers.get(H_AUTHORITY);
  const authority = Authority.parse(a !== null ? a : "");
  const https = headers.valueIs(H_SCHEME, V_HTTPS);
  const index = config.routeIndex;
  const forHost = index.byHost.has(authority.host) ? index.byHost.get(authority.host) : NO_ROUTES;
  const others = index.withoutExactHost;
  let path: string | null = null;
  let routeName: string | null = null;
  let routeNameFetched = false;
  let h = 0, o = 0;
  while (h < forHost.length || o < others.length) {
    const i = o >= others.length || h < forHost.length && unchecked(forHost[h]) < unchecked(others[o]) ? forHost[h++] : others[o++];
    const route = routes[i];
    const m = route.match;
    if (m.routeName !== null) {
      if (!routeNameFetched) { routeName = getProperty(P_ROUTE_NAME); routeNameFetched = true; }
      if (routeName === null || routeName != m.routeName) continue;
    }
    if (!hostMatches(m, authority, https)) continue;
    if (m.pathPrefix !== null) {
      if (path === null) {
        const p = headers.get(H_PATH);
        path = p !== null ? p : "";
      }
      if (!path!.startsWith(m.pathPrefix!)) continue;
    }
    let headersMatch = true;
    for (let j = 0; j < m.headers.length && headersMatch; j++) headersMatch = m.headers[j].matches(headers.get(m.headers[j].nameBytes));
    if (!headersMatch) continue;
    state.candidates.push(route);
    if (m.models === null) return;
  }
}

const NO_ROUTES: i32[] = [];
// Header values compared as bytes (no string per request).
const V_GET = String.UTF8.encode("GET");
const V_POST = String.UTF8.encode("POST");
const V_HTTPS = String.UTF8.encode("https");

/** The first candidate whose model condition holds for the client's model, or null. */
export function routeForModel(state: RequestState, clientModel: string | null): Route | null {
  for (let i = 0; i < state.candidates.length; i++) {
    const models = state.candidates[i].match.models;
    if (models === null || models.matches(clientModel)) return state.candidates[i];
  }
  return null;
}

/**
 * Takes `route`: picks a backend by weight and checks that Envoy sends the request to a provider's
 * own destination (destination.ts). Sets state.route and state.backend, or returns the refusal.
 */
export function takeRoute(config: Config, state: RequestState, route: Route): Reply | null {
  state.route = route;
  const consumer = admitConsumer(state, route);
  if (consumer !== null) return consumer;
  // A failover route's backend is picked by Envoy for each try, and the try rewritten upstream.
  if (route.failover !== null) return takePool(state, route);
  const backend = route.pickBackend();
  if (backend === null) return Reply.error(NO_PROVIDER, "no usable provider for llm-mesh route \"" + route.name + "\" (check the providers' apiKeys)");
  const unfit = takeBackend(state, route, backend!);
  if (unfit !== null) return unfit;
  const refusal = destinationRefusal(config.providers, backend!.provider);
  return refusal !== null ? Reply.error(MISDIRECTED, refusal!) : null;
}

/**
 * A failover route: any of its backends may serve a try, so each must be able to (the answer would
 * otherwise depend on the draw).
 */
function takePool(state: RequestState, route: Route): Reply | null {
  if (route.usable.length == 0) return Reply.error(NO_PROVIDER, "no usable provider for llm-mesh route \"" + route.name + "\" (check the providers' apiKeys)");
  for (let i = 0; i < route.usable.length; i++) {
    const provider = route.usable[i].provider;
    if (!provider.supports(state.operation)) {
      return Reply.error(UNSUPPORTED_OPERATION, "llm-mesh route \"" + route.name + "\" may send this request to provider \"" + provider.name + "\" (" +
        provider.spec.type + "), which does not serve " + operationName(state.operation));
    }
  }
  return null;
}

/** Sets state.route and state.backend (and the translator), or returns why the backend cannot serve the request. */
export function takeBackend(state: RequestState, route: Route, backend: Backend): Reply | null {
  state.route = route;
  const provider = backend.provider;
  if (!provider.supports(state.operation)) {
    return Reply.error(UNSUPPORTED_OPERATION, "llm-mesh route \"" + route.name + "\" sends this request to provider \"" + provider.name + "\" (" +
      provider.spec.type + "), which does not serve " + operationName(state.operation) + countTokensHint(state.operation));
  }
  let credentials = provider.credentialProblem();
  // Another worker thread may have fetched it since this one's last tick.
  if (credentials !== null && adoptSharedCredential(provider, nowSeconds())) credentials = provider.credentialProblem();
  if (credentials !== null) return Reply.error(NO_PROVIDER, credentials!);
  state.translator = provider.servesNatively(state.operation) ? null : translatorFor(state.clientApi, provider.api(), state.operation);
  if (state.translator === null && state.clientApi != provider.api() && !provider.servesNatively(state.operation)) {
    return Reply.error(UNSUPPORTED_OPERATION, "llm-mesh route \"" + route.name + "\" sends this request to provider \"" + provider.name + "\" (" +
      provider.spec.type + "), and llm-mesh does not translate " + operationName(state.operation) + " to its API");
  }
  state.backend = backend;
  return null;
}

/** Why token counting is refused: only some APIs count tokens (docs/translation.md). */
function countTokensHint(op: Operation): string {
  if (op == Operation.CountTokens) return " (only anthropic providers count tokens)";
  if (op == Operation.GeminiCountTokens) return " (only gemini and anthropic providers count tokens for Gemini clients)";
  return "";
}

/**
 * GET …/models: keeps the candidate routes the caller may use; when none, the first refusal (401
 * without a consumer on a route that requires one, 403 for a route the consumer may not use).
 */
function keepListableRoutes(state: RequestState): Reply | null {
  const kept = new Array<Route>();
  let firstRefusal: Reply | null = null;
  for (let i = 0; i < state.candidates.length; i++) {
    const refusal = admitConsumer(state, state.candidates[i]);
    if (refusal === null) kept.push(state.candidates[i]);
    else if (firstRefusal === null) firstRefusal = refusal;
  }
  state.candidates = kept;
  return kept.length == 0 ? firstRefusal : null;
}

/** The models of every route that may serve this request (and its consumer may use), once each, as indexes into their route's lists. */
function listedModels(state: RequestState, routes: Array<Route>, indexes: Array<i32>): void {
  const seen = new Array<string>();
  const consumer = state.consumer;
  for (let i = 0; i < state.candidates.length; i++) {
    const route = state.candidates[i];
    for (let j = 0; j < route.modelIds.length; j++) {
      if (consumer !== null && !consumer.allowsModel(route.modelIds[j])) continue;
      if (seen.includes(route.modelIds[j])) continue;
      seen.push(route.modelIds[j]);
      routes.push(route);
      indexes.push(j);
    }
  }
}

/** OpenAI's model list for GET …/models. */
function modelList(state: RequestState): string {
  const routes = new Array<Route>();
  const indexes = new Array<i32>();
  listedModels(state, routes, indexes);
  const items = new Array<string>(routes.length);
  for (let i = 0; i < routes.length; i++) items[i] = routes[i].modelItems[indexes[i]];
  return "{\"object\":\"list\",\"data\":[" + items.join(",") + "]}";
}

/** Anthropic's model list (https://docs.anthropic.com/en/api/models-list), one page holding every model. */
function anthropicModelList(state: RequestState): string {
  const routes = new Array<Route>();
  const indexes = new Array<i32>();
  listedModels(state, routes, indexes);
  const items = new Array<string>(routes.length);
  for (let i = 0; i < routes.length; i++) {
    const id = jsonString(routes[i].modelIds[indexes[i]]);
    items[i] = "{\"type\":\"model\",\"id\":" + id + ",\"display_name\":" + id + ",\"created_at\":\"1970-01-01T00:00:00Z\"}";
  }
  const first = routes.length > 0 ? jsonString(routes[0].modelIds[indexes[0]]) : "null";
  const last = routes.length > 0 ? jsonString(routes[routes.length - 1].modelIds[indexes[routes.length - 1]]) : "null";
  return "{\"data\":[" + items.join(",") + "],\"has_more\":false,\"first_id\":" + first + ",\"last_id\":" + last + "}";
}

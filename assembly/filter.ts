// The HTTP filter. Per request, data flows one way: match a route, pick a backend, check that Envoy
// sends the request to a provider's own destination, rewrite the headers, read the whole body,
// resolve the model, splice the body, send; then stamp the response and vet provider errors.
import { Context, FilterDataStatusValues, FilterHeadersStatusValues, FilterTrailersStatusValues, RootContext } from "@solo-io/proxy-runtime/assembly";
import { Config, loadConfig } from "./config/load";
import { ErrorKind, BAD_REQUEST, INTERNAL, INVALID_JSON, INVALID_MODEL, METHOD_NOT_ALLOWED, MISDIRECTED, MODEL_REQUIRED, NOT_FOUND, NO_PROVIDER, PROVIDER_AUTH_FAILED, PROVIDER_ERROR, TOO_LARGE, errorBody, replyWithError } from "./errors";
import { BufferTypeValues, LogLevelValues, REQUEST_HEADERS, RESPONSE_HEADERS, bufferedSize, defineGauge, getBody, getHeader, getProperty, log, propertyPath, readEnvironment, recordGauge, removeHeader, replaceBody, sendLocalResponse, setHeader, setHeaderBytes, setTickPeriod } from "./host";
import { HeaderSnapshot } from "./headers";
import { ValueSpan, decodeStringValue, scanTopLevel } from "./json/scan";
import { Edit, applyEdits, jsonString } from "./json/splice";
import { Operation, Provider } from "./providers/provider";
import { Authority, Backend, Route, hostMatches } from "./routing";
import { isAnyProviderDestination, isDestinationOf } from "./destination";
import { BILLING_HEADERS, CREDENTIAL_HEADERS } from "./request/credentials";
import { MODEL_NAME_RULE, isSafeModelName } from "./request/safe-text";
import { redactedErrorBody } from "./request/redact";

// Header and property names, encoded once.
const H_AUTHORITY = String.UTF8.encode(":authority");
const H_PATH = String.UTF8.encode(":path");
const H_METHOD = String.UTF8.encode(":method");
const H_SCHEME = String.UTF8.encode(":scheme");
const H_STATUS = String.UTF8.encode(":status");
const H_HOST = String.UTF8.encode("host");
const H_CONTENT_LENGTH = String.UTF8.encode("content-length");
const H_CONTENT_TYPE = String.UTF8.encode("content-type");
const V_JSON = String.UTF8.encode("application/json");
const H_PROVIDER = String.UTF8.encode("x-llm-mesh-provider");
const H_MODEL = String.UTF8.encode("x-llm-mesh-model");
const CREDENTIALS = encodeAll(CREDENTIAL_HEADERS);
const BILLING = encodeAll(BILLING_HEADERS);
const P_ROUTE_NAME = propertyPath(["xds", "route_name"]);
const P_CLUSTER_NAME = propertyPath(["xds", "cluster_name"]);
const MODEL_KEY = 0; // wantedKeys[0] is always "model".
/** Provider error bodies larger than this are replaced, not read. */
const MAX_ERROR_BODY_BYTES: i32 = 64 * 1024;

function encodeAll(names: string[]): ArrayBuffer[] {
  const out = new Array<ArrayBuffer>(names.length);
  for (let i = 0; i < names.length; i++) out[i] = String.UTF8.encode(names[i]);
  return out;
}

/** Holds the compiled configuration; replaced whole when a new one loads. */
export class LlmMeshRoot extends RootContext {
  config: Config | null = null;
  /** Requests this VM has seen; only VMs that serve traffic report memory (not Envoy's main-thread VM). */
  requestsSeen: u64 = 0;
  private memoryGauge: u32 = 0;

  /** Reports the VM's linear memory, so operators (and the soak benchmark) can see it stay flat. */
  onTick(): void {
    if (this.requestsSeen > 0) recordGauge(this.memoryGauge, <u64>memory.size() << 16);
  }

  createContext(contextId: u32): Context {
    return new LlmMeshStream(contextId, this);
  }

  onConfigure(configurationSize: u32): bool {
    super.onConfigure(configurationSize);
    const result = loadConfig(this.getConfiguration(), readEnvironment());
    const d = result.diagnostics;
    for (let i = 0; i < d.warnings.length; i++) log(LogLevelValues.warn, "llm-mesh: config warning: " + d.warnings[i]);
    if (result.config === null) {
      for (let i = 0; i < d.errors.length; i++) log(LogLevelValues.error, "llm-mesh: config error: " + d.errors[i]);
      log(LogLevelValues.error, "llm-mesh: configuration rejected (" + d.errors.length.toString() + " problem" + (d.errors.length == 1 ? "" : "s") + "); the previous configuration, if any, stays in force");
      return false;
    }
    this.config = result.config;
    if (this.memoryGauge == 0) {
      this.memoryGauge = defineGauge("llm_mesh_vm_memory_bytes");
      setTickPeriod(1000);
    }
    log(LogLevelValues.info, "llm-mesh: configuration loaded: " + result.config!.providers.length.toString() + " providers, " + result.config!.routes.length.toString() + " routes");
    return true;
  }
}

/** The client's path without its query string (which may hold a key and is never echoed). */
function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q >= 0 ? path.substring(0, q) : path;
}

/** Which OpenAI operation a client path asks for; -1 when unsupported. "/" means chat (ASM style). */
function operationFor(p: string): i32 {
  if (p == "/" || p.length == 0 || p.endsWith("/chat/completions")) return Operation.ChatCompletions;
  if (p.endsWith("/completions")) return Operation.Completions;
  if (p.endsWith("/embeddings")) return Operation.Embeddings;
  return -1;
}

/** How a provider's response is handled. */
enum ResponseMode { Pass, Vet, ReplaceAuth, Drop }

class LlmMeshStream extends Context {
  private backend: Backend | null = null;
  private operation: Operation = Operation.ChatCompletions;
  /** Set once the request was answered locally or forwarded; later callbacks pass through. */
  private settled: bool = false;
  /** The body was rewritten and the request sent on; the response gets the x-llm-mesh headers. */
  private forwarded: bool = false;
  private model: string = "";
  private responseMode: ResponseMode = ResponseMode.Pass;
  private responseStatus: string = "";

  constructor(contextId: u32, root: LlmMeshRoot) {
    super(contextId, root);
  }

  private get config(): Config | null {
    return (this.root_context as LlmMeshRoot).config;
  }

  onRequestHeaders(_headerCount: u32, endOfStream: bool): FilterHeadersStatusValues {
    const config = this.config;
    if (config === null) return FilterHeadersStatusValues.Continue;
    (this.root_context as LlmMeshRoot).requestsSeen++;
    const headers = HeaderSnapshot.read(REQUEST_HEADERS);
    const route = this.matchRoute(config, headers);
    if (route === null) { this.settled = true; return FilterHeadersStatusValues.Continue; }

    const rawPath = headers.get(H_PATH);
    const path = pathOnly(rawPath !== null ? rawPath : "/");
    const method = headers.get(H_METHOD);
    if (path.endsWith("/models") && method !== null && method == "GET") {
      this.settled = true;
      sendLocalResponse(200, "llm_mesh.models", String.UTF8.decode(route.modelListBytes), ["content-type"], ["application/json"]);
      return FilterHeadersStatusValues.StopIteration;
    }
    const op = operationFor(path);
    if (op < 0) return this.fail(NOT_FOUND, "llm-mesh route \"" + route.name + "\" serves POST /v1/chat/completions, /v1/completions and /v1/embeddings, and GET /v1/models; this path is none of them");
    this.operation = <Operation>op;
    if (method === null || method != "POST") return this.fail(METHOD_NOT_ALLOWED, "use POST for this endpoint (GET is only for /v1/models)");

    const contentLength = headers.get(H_CONTENT_LENGTH);
    if (contentLength !== null) {
      const declared = I64.parseInt(contentLength);
      if (declared > config.maxRequestBodyBytes) return this.tooLarge(config);
    }
    if (endOfStream) return this.fail(BAD_REQUEST, "a JSON request body is required");

    const backend = route.pickBackend();
    if (backend === null) return this.fail(NO_PROVIDER, "no usable provider for llm-mesh route \"" + route.name + "\" (check the providers' apiKeys)");
    const refusal = this.checkDestination(config, backend.provider);
    if (refusal !== null) return this.fail(MISDIRECTED, refusal!);
    this.backend = backend;
    // Headers are rewritten here, not after the body: Proxy-Wasm hosts turn a StopIteration from
    // this callback into StopAllIteration, so the body callback would never run. Envoy re-selects
    // the route on the new :authority because this module exports ABI 0.2.1.
    this.rewriteHeaders(backend, headers);
    return FilterHeadersStatusValues.Continue;
  }

  /**
   * Null when Envoy routes this request to a provider's own cluster (see destination.ts); else why
   * not. The cluster is the one Envoy chose for the request as the client sent it.
   */
  private checkDestination(config: Config, provider: Provider): string | null {
    const cluster = getProperty(P_CLUSTER_NAME);
    if (cluster === null || cluster.length == 0) {
      return "llm-mesh added no provider key: Envoy has no route to a cluster for this request. Call a provider host the mesh routes (for provider \"" + provider.name + "\": http://" + provider.host + ")";
    }
    if (isDestinationOf(provider, cluster) || isAnyProviderDestination(config.providers, cluster)) return null;
    return "llm-mesh added no provider key: Envoy would send this request to cluster " + jsonString(cluster) +
      ", which is not the destination of an llm-mesh provider (a request to another port or address, or a pass-through). Call a provider host on its mesh port (for provider \"" + provider.name + "\": http://" + provider.host + ")";
  }

  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    if (this.settled || this.backend === null) return FilterDataStatusValues.Continue;
    const config = this.config!;
    if (<i64>bodySize > config.maxRequestBodyBytes) {
      this.tooLarge(config);
      return FilterDataStatusValues.StopIterationNoBuffer;
    }
    if (!endOfStream) return FilterDataStatusValues.StopIterationAndBuffer;
    return this.rewriteBody(<u32>bodySize) ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationNoBuffer;
  }

  onRequestTrailers(_count: u32): FilterTrailersStatusValues {
    // With trailers the body never arrives with end_of_stream set: finish here.
    if (this.settled || this.backend === null) return FilterTrailersStatusValues.Continue;
    // The buffered size is not passed to this callback; ask the host for it.
    return this.rewriteBody(bufferedSize(BufferTypeValues.HttpRequestBody)) ? FilterTrailersStatusValues.Continue : FilterTrailersStatusValues.StopIteration;
  }

  onResponseHeaders(_headerCount: u32, _endOfStream: bool): FilterHeadersStatusValues {
    if (!this.forwarded) return FilterHeadersStatusValues.Continue;
    const status = getHeader(RESPONSE_HEADERS, H_STATUS);
    if (status !== null && status.length == 3 && status.charCodeAt(0) >= 0x34) {
      // A provider error: its body is read before it is passed on (it may echo the key).
      this.responseStatus = status;
      this.responseMode = status == "401" || status == "407" ? ResponseMode.ReplaceAuth : ResponseMode.Vet;
      if (this.responseMode == ResponseMode.ReplaceAuth) setHeader(RESPONSE_HEADERS, H_STATUS, PROVIDER_AUTH_FAILED.status.toString());
      removeHeader(RESPONSE_HEADERS, H_CONTENT_LENGTH);
    }
    if (this.config !== null && this.config!.responseHeaders) {
      setHeaderBytes(RESPONSE_HEADERS, H_PROVIDER, this.backend!.provider.nameBytes);
      setHeader(RESPONSE_HEADERS, H_MODEL, this.model);
    }
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    if (this.responseMode == ResponseMode.Pass) return FilterDataStatusValues.Continue;
    if (this.responseMode == ResponseMode.Drop) {
      replaceBody(BufferTypeValues.HttpResponseBody, new ArrayBuffer(0));
      return FilterDataStatusValues.Continue;
    }
    if (!endOfStream && <i32>bodySize <= MAX_ERROR_BODY_BYTES) return FilterDataStatusValues.StopIterationAndBuffer;
    const provider = this.backend!.provider;
    let text: string | null = null;
    if (this.responseMode == ResponseMode.Vet && <i32>bodySize <= MAX_ERROR_BODY_BYTES) {
      const body = getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize);
      if (body !== null) text = redactedErrorBody(body, provider.keys);
    }
    if (text === null) {
      const kind = this.responseMode == ResponseMode.ReplaceAuth ? PROVIDER_AUTH_FAILED : PROVIDER_ERROR;
      const why = this.responseMode == ResponseMode.ReplaceAuth
        ? "refused the credentials llm-mesh holds for it (HTTP " + this.responseStatus + "); the platform team must check the provider key in the mesh"
        : "answered HTTP " + this.responseStatus + " with a body that is not a JSON error; it was not passed on";
      text = errorBody(kind, "provider \"" + provider.name + "\" " + why);
    }
    replaceBody(BufferTypeValues.HttpResponseBody, String.UTF8.encode(text!));
    // Later chunks of a body over the limit are dropped: the client gets our JSON alone.
    this.responseMode = endOfStream ? ResponseMode.Pass : ResponseMode.Drop;
    return FilterDataStatusValues.Continue;
  }

  private matchRoute(config: Config, headers: HeaderSnapshot): Route | null {
    const routes = config.routes;
    let authority: Authority | null = null;
    let https = false;
    let path: string | null = null;
    let routeName: string | null = null;
    let routeNameFetched = false;
    for (let i = 0; i < routes.length; i++) {
      const m = routes[i].match;
      if (m.routeName !== null) {
        if (!routeNameFetched) { routeName = getProperty(P_ROUTE_NAME); routeNameFetched = true; }
        if (routeName === null || routeName != m.routeName) continue;
      }
      if (m.host !== null || m.hostSuffix !== null) {
        if (authority === null) {
          const a = headers.get(H_AUTHORITY);
          authority = Authority.parse(a !== null ? a : "");
          const scheme = headers.get(H_SCHEME);
          https = scheme !== null && scheme == "https";
        }
        if (!hostMatches(m, authority!, https)) continue;
      }
      if (m.pathPrefix !== null) {
        if (path === null) {
          const p = headers.get(H_PATH);
          path = p !== null ? p : "";
        }
        if (!path!.startsWith(m.pathPrefix!)) continue;
      }
      let headersMatch = true;
      for (let j = 0; j < m.headers.length && headersMatch; j++) {
        headersMatch = m.headers[j].matches(headers.get(m.headers[j].nameBytes));
      }
      if (headersMatch) return routes[i];
    }
    return null;
  }

  /** Resolves the model and splices the buffered body; false when it answered with an error. */
  private rewriteBody(bodySize: u32): bool {
    const body = getBody(BufferTypeValues.HttpRequestBody, 0, bodySize);
    if (body === null) return this.failBody(BAD_REQUEST, "a JSON request body is required");
    const backend = this.backend!;
    const provider = backend.provider;

    const base = changetype<usize>(body);
    const scan = scanTopLevel(base, body.byteLength, provider.wantedKeys);
    if (scan.error !== null) return this.failBody(INVALID_JSON, scan.error!);
    for (let i = 0; i < scan.spans.length; i++) {
      if (scan.spans[i].count > 1) {
        return this.failBody(BAD_REQUEST, "duplicate top-level key \"" + String.UTF8.decode(provider.wantedKeys[i]) + "\" in request body");
      }
    }
    const modelSpan = scan.spans[MODEL_KEY];
    let clientModel: string | null = null;
    if (modelSpan.count == 1) {
      if (modelSpan.firstByte != 0x22) return this.failBody(BAD_REQUEST, "model must be a string");
      clientModel = decodeStringValue(base, modelSpan.start, modelSpan.end, modelSpan.escaped);
      // The model is echoed in a response header and may reach a provider path: never unchecked.
      if (!isSafeModelName(clientModel!)) return this.failBody(INVALID_MODEL, "model must be " + MODEL_NAME_RULE);
    }
    const model = backend.resolveModel(clientModel);
    if (model === null) return this.failBody(MODEL_REQUIRED, "you must provide a model parameter");

    const edits = this.bodyEdits(provider, scan.spans, scan.closeBrace, scan.memberCount, clientModel, model);
    if (edits.length > 0 && !replaceBody(BufferTypeValues.HttpRequestBody, applyEdits(base, body.byteLength, edits))) {
      return this.failBody(INTERNAL, "could not replace the request body");
    }
    this.forwarded = true;
    this.model = model;
    this.settled = true;
    return true;
  }

  private bodyEdits(provider: Provider, spans: StaticArray<ValueSpan>, closeBrace: i32, memberCount: i32, clientModel: string | null, model: string): Array<Edit> {
    const edits = new Array<Edit>();
    const inserts = new Array<string>();
    const modelSpan = spans[MODEL_KEY];
    // A key a client put in the body (api_key) goes nowhere.
    const keySpan = spans[provider.apiKeySpanIndex];
    let members = memberCount;
    if (keySpan.count == 1) {
      edits.push(new Edit(keySpan.removeStart, keySpan.removeEnd, new ArrayBuffer(0)));
      members--;
    }
    if (clientModel === null) inserts.push("\"model\":" + jsonString(model));
    else if (clientModel != model) edits.push(new Edit(modelSpan.start, modelSpan.end, String.UTF8.encode(jsonString(model))));
    // Only generation requests take generation defaults such as stream or temperature.
    if (this.operation != Operation.Embeddings) {
      for (let i = 0; i < provider.overrides.length; i++) {
        const f = provider.overrides[i];
        const span = spans[f.spanIndex];
        if (span.count == 1) edits.push(new Edit(span.start, span.end, f.valueJson));
        else inserts.push(jsonString(f.key) + ":" + String.UTF8.decode(f.valueJson));
      }
      for (let i = 0; i < provider.defaults.length; i++) {
        const f = provider.defaults[i];
        const span = spans[f.spanIndex];
        if (span.count == 0 && !this.isOverridden(provider, f.key)) inserts.push(jsonString(f.key) + ":" + String.UTF8.decode(f.valueJson));
      }
    }
    if (inserts.length > 0) {
      const text = (members > 0 ? "," : "") + inserts.join(",");
      edits.push(new Edit(closeBrace, closeBrace, String.UTF8.encode(text)));
    }
    return edits;
  }

  private isOverridden(provider: Provider, key: string): bool {
    for (let i = 0; i < provider.overrides.length; i++) if (provider.overrides[i].key == key) return true;
    return false;
  }

  /** Edits the snapshot in the VM and writes it back in one call. */
  private rewriteHeaders(backend: Backend, headers: HeaderSnapshot): void {
    const provider = backend.provider;
    headers.set(H_AUTHORITY, provider.authorityBytes);
    // A literal host header (HTTP/2 clients can send one beside :authority) must not disagree.
    headers.remove(H_HOST);
    headers.set(H_PATH, backend.pathBytes[this.operation]);
    for (let i = 0; i < CREDENTIALS.length; i++) headers.remove(CREDENTIALS[i]);
    for (let i = 0; i < BILLING.length; i++) {
      if (!provider.allowedClientHeaders.includes(BILLING_HEADERS[i])) headers.remove(BILLING[i]);
    }
    for (let i = 0; i < provider.extraHeaderNames.length; i++) headers.set(provider.extraHeaderNames[i], provider.extraHeaderValues[i]);
    const auth = provider.nextAuthValue();
    if (auth !== null) headers.set(provider.authHeaderNameBytes, auth);
    // The body length may change; Envoy frames the new body itself. The body is JSON (checked
    // before it is sent on), whatever the client labelled it (curl -d says form-urlencoded).
    headers.remove(H_CONTENT_LENGTH);
    headers.set(H_CONTENT_TYPE, V_JSON);
    headers.write(REQUEST_HEADERS);
  }

  private tooLarge(config: Config): FilterHeadersStatusValues {
    return this.fail(TOO_LARGE, "request body exceeds the llm-mesh limit of " + config.maxRequestBodyBytes.toString() + " bytes");
  }

  private fail(kind: ErrorKind, message: string): FilterHeadersStatusValues {
    this.settled = true;
    replyWithError(kind, message);
    return FilterHeadersStatusValues.StopIteration;
  }

  private failBody(kind: ErrorKind, message: string): bool {
    this.fail(kind, message);
    return false;
  }
}

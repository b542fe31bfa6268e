// Benchmark fixture, not part of the filter: the Envoy-side work llm-mesh asks for on the bench's
// plain request, with none of its logic. It makes the same host calls in the same callbacks, body
// mode (test/unit/host-calls.test.ts holds it to that): the request held until its body is whole,
// the body read and written back, the request's and the answer's header maps read once and the
// headers llm-mesh changes written one call each (authority, key, length, and the path for every
// other request, as the bench's second backend needs), the route's cluster and the peer's identity
// read, the answer held and read whole, two clock reads and the access-log filter state. Measured
// beside the empty module and llm-mesh, it splits llm-mesh's cost into what Envoy charges for those
// operations and what llm-mesh's own code takes.
export {
  proxy_abi_version_0_2_1, proxy_on_vm_start, proxy_on_configure, proxy_on_tick, proxy_on_context_create,
  proxy_on_request_headers, proxy_on_request_body, proxy_on_request_trailers, proxy_on_response_headers,
  proxy_on_response_body, proxy_on_done, proxy_on_delete, malloc,
} from "../entry-points";
import { Context, FilterDataStatusValues, FilterHeadersStatusValues, RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly";
import { BufferTypeValues, REQUEST_HEADERS, RESPONSE_HEADERS, getBody, getProperty, nowNanos, propertyPath, replaceBody, setHeaderBytes, setProperty } from "../host";
import { HeaderSnapshot } from "../headers";

const CLUSTER = propertyPath(["xds", "cluster_name"]);
const PEER = propertyPath(["connection", "uri_san_peer_certificate"]);
const LOG = propertyPath(["llm_mesh", "log"]);
const AUTHORITY = String.UTF8.encode(":authority");
const PATH = String.UTF8.encode(":path");
const CONTENT_LENGTH = String.UTF8.encode("content-length");
const MODEL = String.UTF8.encode("x-llm-mesh-model");
const AUTHORIZATION = String.UTF8.encode("authorization");
const PROVIDER = String.UTF8.encode("x-llm-mesh-provider");
const HOST = String.UTF8.encode("api.deepseek.com");
const UPSTREAM_PATH = String.UTF8.encode("/chat/completions");
const KEY = String.UTF8.encode("Bearer bench-key-b");
const NAME = String.UTF8.encode("b");
const MODEL_NAME = String.UTF8.encode("deepseek-chat");
let requests: u32 = 0;

// Parts to leave out, named in the plugin configuration (the fixture brought again with --peer and
// {"leaveOut": "calls"}, "request-hold", "answer-hold", "body-write", "request-headers-write"):
// they price each part of Envoy's work apart. The bench itself runs it with none left out.
let holdRequest = true;
let writeBody = true;
let writeRequestHeaders = true;
let holdAnswer = true;
let calls = true;

function markAnswer(): void {
  setHeaderBytes(RESPONSE_HEADERS, PROVIDER, NAME);
  setHeaderBytes(RESPONSE_HEADERS, MODEL, MODEL_NAME);
}

class EnvoyWork extends Context {
  private started: i64 = 0;
  private headers: HeaderSnapshot | null = null;

  onRequestHeaders(headers: u32, endOfStream: bool): FilterHeadersStatusValues {
    if (!calls) return endOfStream || !holdRequest ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
    this.started = nowNanos();
    this.headers = HeaderSnapshot.read(REQUEST_HEADERS);
    return endOfStream || !holdRequest ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
  }

  onRequestBody(size: usize, endOfStream: bool): FilterDataStatusValues {
    if (!endOfStream) return holdRequest ? FilterDataStatusValues.StopIterationAndBuffer : FilterDataStatusValues.Continue;
    if (!calls) return FilterDataStatusValues.Continue;
    const body = getBody(BufferTypeValues.HttpRequestBody, 0, <u32>size);
    if (body !== null && writeBody) replaceBody(BufferTypeValues.HttpRequestBody, body);
    // Headers already sent upstream cannot change: without the hold they are not written.
    if (writeRequestHeaders && holdRequest) {
      setHeaderBytes(REQUEST_HEADERS, AUTHORITY, HOST);
      if (requests++ % 2 == 1) setHeaderBytes(REQUEST_HEADERS, PATH, UPSTREAM_PATH);
      setHeaderBytes(REQUEST_HEADERS, CONTENT_LENGTH, String.UTF8.encode(size.toString()));
      setHeaderBytes(REQUEST_HEADERS, AUTHORIZATION, KEY);
    }
    getProperty(CLUSTER);
    getProperty(PEER);
    return FilterDataStatusValues.Continue;
  }

  onResponseHeaders(headers: u32, endOfStream: bool): FilterHeadersStatusValues {
    if (!calls) return endOfStream || !holdAnswer ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
    this.headers = HeaderSnapshot.read(RESPONSE_HEADERS);
    if (!holdAnswer) markAnswer();
    return endOfStream || !holdAnswer ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
  }

  onResponseBody(size: usize, endOfStream: bool): FilterDataStatusValues {
    if (!endOfStream) return holdAnswer ? FilterDataStatusValues.StopIterationAndBuffer : FilterDataStatusValues.Continue;
    if (!calls) return FilterDataStatusValues.Continue;
    getBody(BufferTypeValues.HttpResponseBody, 0, <u32>size);
    if (holdAnswer) markAnswer();
    setProperty(LOG, "{\"ms\":" + ((nowNanos() - this.started) / 1_000_000).toString() + "}");
    return FilterDataStatusValues.Continue;
  }
}

class EnvoyWorkRoot extends RootContext {
  onConfigure(size: u32): bool {
    super.onConfigure(size); // reads the plugin configuration
    // {"leaveOut": "calls request-hold …"}; any other configuration leaves nothing out.
    const config = this.getConfiguration();
    const leaveOut = config.startsWith("{\"leaveOut\":") ? config : "";
    holdRequest = !leaveOut.includes("request-hold");
    writeBody = !leaveOut.includes("body-write");
    writeRequestHeaders = !leaveOut.includes("request-headers-write");
    holdAnswer = !leaveOut.includes("answer-hold");
    calls = !leaveOut.includes("calls");
    return true;
  }

  createContext(contextId: u32): Context { return new EnvoyWork(contextId, this); }
}

function createRoot(contextId: u32): RootContext { return new EnvoyWorkRoot(contextId); }

registerRootContext(createRoot, "");

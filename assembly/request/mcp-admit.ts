// Header time for an MCP route: who calls (consumers), what the request is (POST carries JSON-RPC,
// GET opens the server's stream, DELETE ends a session), whether its MCP headers are fit to pass,
// and whether the route's server may be sent to (the caller's route allow-list, the server's
// credential, the destination guard). Every refusal is a JSON-RPC error (WireApi.Mcp's shape).
import { Config } from "../config/load";
import { BAD_REQUEST, METHOD_NOT_ALLOWED, MISDIRECTED, NO_PROVIDER, TOO_LARGE, Reply } from "../errors";
import { ownDestinationRefusal } from "../destination";
import { HeaderSnapshot } from "../headers";
import { nowSeconds } from "../host";
import { adoptSharedCredential } from "../token-refresh";
import { WireApi } from "../api";
import { Route } from "../routing";
import { ModelPatterns } from "../fields/model-patterns";
import { MCP_KIND_COUNT, McpAccess } from "../mcp/access";
import { RequestState } from "./state";
import { admitConsumer, identify } from "./identify";
import { callerIdentity } from "./caller";
import { serverSessionId, sessionRefusal } from "./mcp-session";
import { H_CONTENT_LENGTH, H_METHOD, H_PATH } from "./header-names";

export const H_MCP_SESSION_ID = String.UTF8.encode("mcp-session-id");
export const H_MCP_PROTOCOL_VERSION = String.UTF8.encode("mcp-protocol-version");
const H_UPGRADE = String.UTF8.encode("upgrade");
const V_POST = String.UTF8.encode("POST");
const V_GET = String.UTF8.encode("GET");
const V_DELETE = String.UTF8.encode("DELETE");
/** The one protocol version whose clients may send JSON-RPC batches (the transport's default when the header is absent). */
const BATCH_VERSION = "2025-03-26";
const MAX_SESSION_ID_BYTES = 256;

/** What an MCP request is, decided with its headers. */
export enum McpVerb { Post, Get, Delete }

/** The MCP facts of a request admitted at header time. */
export class McpAdmission {
  verb: McpVerb = McpVerb.Post;
  /** The caller's allow-lists by McpKind (null: that kind is not restricted). */
  lists: StaticArray<ModelPatterns | null> = new StaticArray<ModelPatterns | null>(MCP_KIND_COUNT);
  /** The protocol version allows a batch body. */
  batchAllowed: bool = false;
  /** Who calls, as session ids are tagged for callers (mcp-session.ts): the consumer, else the mesh identity. */
  caller: string = "";
  /** The server's session id this request carries (the client's, its tag checked and taken off), or null. */
  session: string | null = null;
}

/** Admits a request to an MCP route (`route`, the first whose conditions hold): the facts, or a refusal. */
export function admitMcp(config: Config, headers: HeaderSnapshot, state: RequestState, route: Route, endOfStream: bool, into: McpAdmission): Reply | null {
  state.clientApi = WireApi.Mcp;
  const refused = identify(config, headers, state);
  if (refused !== null) return refused;
  if (headers.valueIs(H_METHOD, V_POST)) into.verb = McpVerb.Post;
  else if (headers.valueIs(H_METHOD, V_GET)) into.verb = McpVerb.Get;
  else if (headers.valueIs(H_METHOD, V_DELETE)) into.verb = McpVerb.Delete;
  else return Reply.error(METHOD_NOT_ALLOWED, "an MCP endpoint takes POST (JSON-RPC messages), GET (the server's stream) and DELETE (end of a session)");
  // MCP is plain HTTP requests: an upgrade (a WebSocket) would carry JSON-RPC past every check.
  if (headers.indexOf(H_UPGRADE) >= 0) return Reply.error(BAD_REQUEST, "an MCP endpoint takes plain HTTP requests (Streamable HTTP), not a protocol upgrade");
  // Each MCP header once: a second copy would reach the server unchecked.
  if (headers.indexOf(H_MCP_SESSION_ID, headers.indexOf(H_MCP_SESSION_ID) + 1) >= 0 || headers.indexOf(H_MCP_PROTOCOL_VERSION, headers.indexOf(H_MCP_PROTOCOL_VERSION) + 1) >= 0) {
    return Reply.error(BAD_REQUEST, "Mcp-Session-Id and MCP-Protocol-Version may each be sent once");
  }
  const session = headers.get(H_MCP_SESSION_ID);
  if (session !== null && !isSessionId(session)) return Reply.error(BAD_REQUEST, "Mcp-Session-Id must be 1 to 256 visible ASCII characters");
  const version = headers.get(H_MCP_PROTOCOL_VERSION);
  if (version !== null && !isProtocolVersion(version)) return Reply.error(BAD_REQUEST, "MCP-Protocol-Version must be a date, YYYY-MM-DD");
  // Nothing goes upstream unread: GET and DELETE carry no body.
  if (into.verb != McpVerb.Post && !endOfStream) return Reply.error(BAD_REQUEST, "GET and DELETE on an MCP endpoint carry no body");
  into.batchAllowed = version === null || version == BATCH_VERSION;
  if (into.verb == McpVerb.Post) {
    const contentLength = headers.get(H_CONTENT_LENGTH);
    state.route = route;
    if (contentLength !== null && I64.parseInt(contentLength) > mcpBodyLimit(config, state)) return mcpTooLarge(config, state);
    if (endOfStream) return Reply.error(BAD_REQUEST, "a JSON-RPC message is required in the body");
  }
  const consumer = admitConsumer(state, route);
  if (consumer !== null) return consumer;
  state.route = route;
  const backend = route.backends[0];
  const server = backend.provider;
  if (!server.usable) return Reply.error(NO_PROVIDER, "MCP server \"" + server.name + "\" has no usable credential (check its apiKeys)");
  let credentials = server.credentialProblem();
  // Another worker thread may have fetched it since this one's last tick.
  if (credentials !== null && adoptSharedCredential(server, nowSeconds())) credentials = server.credentialProblem();
  if (credentials !== null) return Reply.error(NO_PROVIDER, credentials!);
  const refusal = ownDestinationRefusal(server);
  if (refusal !== null) return Reply.error(MISDIRECTED, refusal!);
  state.backend = backend;
  // Read once: the metrics label the caller by it too.
  if (state.principal === null) state.principal = callerIdentity(config);
  into.caller = state.consumer !== null ? "consumer:" + state.consumer!.name : "principal:" + state.principal!;
  if (session !== null) {
    // The client's id is the server's tagged for this caller (mcp-session.ts): the server gets its own back.
    const own = serverSessionId(server, session!, into.caller);
    if (own === null) return sessionRefusal();
    into.session = own;
    headers.set(H_MCP_SESSION_ID, String.UTF8.encode(own!));
  }
  // The consumer's lists for this server, else the route's.
  const own: McpAccess | null = state.consumer !== null ? state.consumer!.mcpAccess(server.name) : null;
  const routeAccess = route.mcp!.access;
  for (let k = 0; k < MCP_KIND_COUNT; k++) into.lists[k] = own !== null ? own!.listOf(k, routeAccess) : routeAccess.lists[k];
  // No basePath: the client's path goes on, without its query string (which may hold a key).
  if (server.basePath.length == 0) {
    const path = headers.get(H_PATH);
    const q = path !== null ? path.indexOf("?") : -1;
    state.upstreamPath = String.UTF8.encode(path === null ? "/" : q >= 0 ? path.substring(0, q) : path);
  }
  return null;
}

/** Visible ASCII (0x21 to 0x7E), as the transport specifies for session ids. */
function isSessionId(v: string): bool {
  if (v.length == 0 || v.length > MAX_SESSION_ID_BYTES) return false;
  for (let i = 0; i < v.length; i++) { const c = v.charCodeAt(i); if (c < 0x21 || c > 0x7e) return false; }
  return true;
}

function isProtocolVersion(v: string): bool {
  if (v.length != 10 || v.charCodeAt(4) != 0x2d || v.charCodeAt(7) != 0x2d) return false;
  for (let i = 0; i < 10; i++) { if (i == 4 || i == 7) continue; const c = v.charCodeAt(i); if (c < 0x30 || c > 0x39) return false; }
  return true;
}

/** The largest JSON-RPC body an MCP route reads: its maxMessageBytes (a message is read whole, as answers are), within maxRequestBodyBytes. */
export function mcpBodyLimit(config: Config, state: RequestState): i64 {
  return min<i64>(config.maxRequestBodyBytes, <i64>state.route!.mcp!.maxMessageBytes);
}

export function mcpTooLarge(config: Config, state: RequestState): Reply {
  return Reply.error(TOO_LARGE, "the JSON-RPC message exceeds the limit of " + mcpBodyLimit(config, state).toString() + " bytes (routes[].mcp.maxMessageBytes, within maxRequestBodyBytes)");
}

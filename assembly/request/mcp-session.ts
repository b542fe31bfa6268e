// MCP sessions bound to the callers that opened them. llm-mesh sends every caller's requests with
// the server's one credential, so the server can no longer tell whose session an Mcp-Session-Id is
// (the binding MCP's security guidance asks servers to make); llm-mesh knows the caller, so the id
// a client gets is the server's id tagged for that caller: `SERVERID.TAG`, TAG an HMAC-SHA256 (128
// bits, hex) of the server's name, the caller and the id under a secret of this Envoy's. Requests
// must bring a tag made for their caller and server: then the server gets its own id back; any
// other id (another caller's, one in another letter case, one never tagged) is answered 404, as a
// server answers a session it does not know, and an MCP client then opens a session of its own.
// Nothing is stored per session, so nothing can be pushed out. The secret is made once per Envoy
// and shared by its workers; a session used through another Envoy (gateway replicas without
// stickiness) is opened anew there.
import { Provider } from "../providers/provider";
import { getSharedBytes, randomU32, setSharedBytes } from "../host";
import { hmacSha256, toHex } from "../crypto/sha256";
import { Reply } from "../errors";
import { errorMessage } from "../mcp/answer";

const SECRET_KEY = String.UTF8.encode("llm-mesh.mcp.session-secret");
const TAG_BYTES = 16;
/** The longest server session id llm-mesh tags (the tagged id stays within the 256 bytes it accepts). */
export const MAX_SERVER_SESSION_BYTES: i32 = 256 - 1 - TAG_BYTES * 2;

/**
 * This Envoy's secret: made by the first worker that needs it, then read from shared data, so every
 * worker tags alike (read each time: two workers making one at once settle on the one stored last).
 */
function secret(): ArrayBuffer {
  const stored = getSharedBytes(SECRET_KEY);
  if (stored !== null && stored.byteLength == 32) return stored!;
  const made = new ArrayBuffer(32);
  for (let i = 0; i < 8; i++) store<u32>(changetype<usize>(made) + <usize>(i << 2), randomU32());
  setSharedBytes(SECRET_KEY, made);
  const now = getSharedBytes(SECRET_KEY);
  return now !== null && now.byteLength == 32 ? now! : made;
}

function tag(key: ArrayBuffer, server: Provider, caller: string, session: string): string {
  const text = String.UTF8.encode(server.name + "\n" + caller + "\n" + session);
  const mac = hmacSha256(key, changetype<usize>(text), text.byteLength);
  return toHex(mac.slice(0, TAG_BYTES));
}

/** The id the client gets for the server's `session`, opened by `caller`. */
export function clientSessionId(server: Provider, session: string, caller: string): string {
  return session + "." + tag(secret(), server, caller, session);
}

/** The server's session id in a client's `presented` one when it was tagged for this caller and server; else null. */
export function serverSessionId(server: Provider, presented: string, caller: string): string | null {
  const dot = presented.lastIndexOf(".");
  if (dot <= 0 || presented.length - dot - 1 != TAG_BYTES * 2) return null;
  const session = presented.substring(0, dot);
  const expected = tag(secret(), server, caller, session);
  // Compared in constant time: the tag is a credential.
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ presented.charCodeAt(dot + 1 + i);
  return diff == 0 ? session : null;
}

/** The answer to a session id not tagged for this caller: 404, as a server answers an unknown session. */
export function sessionRefusal(): Reply {
  return new Reply(null, "", 404, errorMessage("null", -32001, "session not found: this Mcp-Session-Id is not one llm-mesh gave this caller for this server; initialize a session of your own", "llm_mesh.session_not_yours"));
}

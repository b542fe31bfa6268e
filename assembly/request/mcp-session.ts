// MCP sessions bound to the callers that opened them. llm-mesh sends every caller's requests with
// the server's one credential, so the server can no longer tell whose session an Mcp-Session-Id is
// (the binding MCP's security guidance asks servers to make); llm-mesh knows the caller, so it
// binds each session the server opens to its caller and refuses it to anyone else. Bindings live in
// Proxy-Wasm shared data (every worker of this Envoy sees them), in a fixed number of slots by the
// session id's hash, so memory is bounded: a binding pushed out by another session's (thousands of
// sessions later) leaves that session unbound, as a session opened before llm-mesh ran is.
import { Provider } from "../providers/provider";
import { getSharedBytes, setSharedBytes } from "../host";
import { sha256, toHex } from "../crypto/sha256";
import { Reply } from "../errors";
import { errorMessage } from "../mcp/answer";

const SLOTS: i32 = 4096;

/** The slot's key for a session of `server`, and the session's fingerprint (its hash, in hex). */
function slot(server: Provider, session: string): string[] {
  const bytes = String.UTF8.encode(session);
  const hash = sha256(changetype<usize>(bytes), bytes.byteLength);
  const index = ((<i32>load<u8>(changetype<usize>(hash)) << 8) | <i32>load<u8>(changetype<usize>(hash) + 1)) & (SLOTS - 1);
  return ["llm-mesh.mcp.session." + server.name + "." + index.toString(), toHex(hash)];
}

/** The session is bound to another caller: refused as the server refuses a session it does not know (404). */
export function sessionRefusal(server: Provider, session: string, caller: string): Reply | null {
  const at = slot(server, session);
  const stored = getSharedBytes(String.UTF8.encode(at[0]));
  if (stored === null || stored.byteLength == 0) return null;
  const value = String.UTF8.decode(stored);
  const cut = value.indexOf("\n");
  if (cut < 0 || value.substring(0, cut) != at[1] || value.substring(cut + 1) == caller) return null;
  return new Reply(null, "", 404, errorMessage("null", -32001, "session not found: this Mcp-Session-Id was opened by another caller (llm-mesh binds sessions to their callers); initialize a session of your own", "llm_mesh.session_not_yours"));
}

/** The server opened `session` for `caller` (its answer to initialize). */
export function bindSession(server: Provider, session: string, caller: string): void {
  const at = slot(server, session);
  setSharedBytes(String.UTF8.encode(at[0]), String.UTF8.encode(at[1] + "\n" + caller));
}

/** The session ended (DELETE answered 2xx): its slot is freed. */
export function forgetSession(server: Provider, session: string): void {
  const at = slot(server, session);
  const key = String.UTF8.encode(at[0]);
  const stored = getSharedBytes(key);
  if (stored !== null && String.UTF8.decode(stored).startsWith(at[1] + "\n")) setSharedBytes(key, new ArrayBuffer(0));
}

// Credentials the filter fetches for providers from the platform (Vertex AI's and Azure OpenAI's
// OAuth tokens, Bedrock's instance-role keys; docs/credentials.md): asked for on a tick when one is
// missing or about to expire, from the root context, so a request never waits for one. Worker
// threads share them through shared data. A request that finds none gets a 503 in its client's
// schema (Provider.credentialProblem).
import * as abi from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues } from "@solo-io/proxy-runtime/assembly";
import { Config } from "./config/load";
import { BufferTypeValues, LogLevelValues, claimSharedLease, getBody, getHeader, getSharedBytes, log, nowMillis, nowSeconds, setSharedBytes } from "./host";
import { Provider } from "./providers/provider";

const HTTP_CALL_RESPONSE_HEADERS = 6;
const TOKEN_SLOT: usize = memory.data(4);
const STATUS = String.UTF8.encode(":status");

/** The largest credential answer read (a token or a set of keys is a few KiB); a larger one is refused unread. */
const MAX_ANSWER_BYTES: u32 = 64 * 1024;
/** How long a worker thread may hold the right to fetch a provider's credential for all of them. */
const LEASE_MS: i64 = 10_000;

/** Calls in flight: the host's token for each, and whose they are. */
export class TokenCalls {
  private tokens: Array<u32> = [];
  private providers: Array<Provider> = [];

  /**
   * Takes a newer credential another worker thread fetched, then starts a fetch for every
   * provider whose credential is missing or due, when no other thread is fetching it (a lease
   * in shared data): one fetch serves every thread.
   */
  refresh(config: Config): void {
    // The clock is read only when a provider has a credential to fetch (a tick comes every 100 ms).
    let now: i64 = -1;
    for (let i = 0; i < config.providers.length; i++) {
      const p = config.providers[i];
      const key = p.sharedCredentialKey();
      if (key === null) continue;
      if (now < 0) now = nowSeconds();
      adoptSharedCredential(p, now);
      if (!p.needsToken(now)) continue;
      const nowMs = nowMillis();
      if (!claimSharedLease(String.UTF8.encode(key! + ".lease"), nowMs, nowMs + LEASE_MS)) continue;
      this.ask(p, now);
    }
  }

  /** Makes the provider's next call, or ends its fetch: shares what it got and frees the lease. */
  private ask(p: Provider, now: i64): void {
    const request = p.tokenRequest(now);
    if (request === null) {
      const key = p.sharedCredentialKey()!;
      const snapshot = p.credentialSnapshot();
      if (snapshot.length > 0) setSharedBytes(String.UTF8.encode(key), String.UTF8.encode(snapshot));
      claimSharedLease(String.UTF8.encode(key + ".lease"), 0, 0);
      return;
    }
    const names = [":method", ":path", ":authority"].concat(request!.headerNames);
    const values = [request!.method, request!.path, request!.authority].concat(request!.headerValues);
    const headers = serialize(names, values);
    const cluster = String.UTF8.encode(request!.cluster);
    const noTrailers = serialize([], []);
    const result = abi.proxy_http_call(changetype<usize>(cluster), cluster.byteLength, changetype<usize>(headers), headers.byteLength, 0, 0,
      changetype<usize>(noTrailers), noTrailers.byteLength, 5000, TOKEN_SLOT);
    if (result != WasmResultValues.Ok) {
      // No such cluster (or the host refused): say so, and let the provider retry later.
      const problem = p.acceptToken("", null, now);
      log(LogLevelValues.warn, "llm-mesh: could not call cluster " + request!.cluster + " for a token (" + result.toString() + "): " + (problem !== null ? problem! : ""));
      this.ask(p, now);
      return;
    }
    this.tokens.push(load<u32>(TOKEN_SLOT));
    this.providers.push(p);
  }

  /** The answer to one of our calls; false when the token is not ours. */
  onResponse(token: u32, bodySize: u32): bool {
    const at = this.tokens.indexOf(token);
    if (at < 0) return false;
    const provider = this.providers[at];
    this.tokens.splice(at, 1);
    this.providers.splice(at, 1);
    const status = responseStatus();
    const body = bodySize > 0 && bodySize <= MAX_ANSWER_BYTES ? getBody(BufferTypeValues.HttpCallResponseBody, 0, bodySize) : null;
    const now = nowSeconds();
    const problem = provider.acceptToken(status, body, now);
    if (problem !== null) log(LogLevelValues.warn, "llm-mesh: " + problem!);
    this.ask(provider, now);
    return true;
  }
}

function responseStatus(): string {
  const status = getHeader(HTTP_CALL_RESPONSE_HEADERS, STATUS);
  return status !== null ? status! : "";
}

/** Header pairs in the ABI's map format. */
function serialize(names: string[], values: string[]): ArrayBuffer {
  let size = 4;
  const n = new Array<ArrayBuffer>(names.length);
  const v = new Array<ArrayBuffer>(names.length);
  for (let i = 0; i < names.length; i++) {
    n[i] = String.UTF8.encode(names[i]);
    v[i] = String.UTF8.encode(values[i]);
    size += 8 + n[i].byteLength + 1 + v[i].byteLength + 1;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, names.length);
  let data = base + 4 + 8 * <usize>names.length;
  for (let i = 0; i < names.length; i++) {
    store<u32>(base + 4 + 8 * <usize>i, n[i].byteLength);
    store<u32>(base + 8 + 8 * <usize>i, v[i].byteLength);
    memory.copy(data, changetype<usize>(n[i]), <usize>n[i].byteLength);
    data += <usize>n[i].byteLength + 1;
    memory.copy(data, changetype<usize>(v[i]), <usize>v[i].byteLength);
    data += <usize>v[i].byteLength + 1;
  }
  return out;
}

/**
 * Takes the provider's credential from shared data when another worker thread fetched a newer one;
 * true when there was one to look at. Called on ticks, and by a request that found none (so a
 * thread never answers 503 while another holds a good credential).
 */
export function adoptSharedCredential(p: Provider, now: i64): bool {
  const key = p.sharedCredentialKey();
  if (key === null) return false;
  const shared = getSharedBytes(String.UTF8.encode(key!));
  if (shared === null) return false;
  p.adoptCredential(String.UTF8.decode(shared!), now);
  return true;
}

// A key never leaves, in any encoding: every secret kind x every encoding x every place of a
// provider's answer, through the host emulator (the same rows run in real Envoy in
// test/integration/secrets.test.ts). The Vertex token here is fetched from the metadata server at run
// time, so the automaton must follow a provider's keys as they change.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { loadFilter } from "../support/filter.js";
import { ENCODINGS, PLACES, SECRETS, SECRET_ENV, SecretKind, leaks, requestFor, secretsConfig, streamText } from "../support/secret-rows.js";

const { VX_TOKEN: _fetched, ...ENV } = SECRET_ENV;

let host: HostEmulator;
beforeAll(async () => {
  const loaded = await loadFilter(secretsConfig(true), { env: ENV, allowOnHeadersStopIteration: true });
  expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
  host = loaded.host;
  host.tick();
  host.deliverHttpCallResponse(host.httpCalls[0].token, [[":status", "200"]], JSON.stringify({ access_token: SECRETS["Vertex token"], expires_in: 3599, token_type: "Bearer" }));
});

/** Drives one answer through the filter; returns what the client got. */
function exchange(placeIndex: number, units: string[]) {
  const place = PLACES[placeIndex];
  const answer = place.answer(units);
  const stream = host.createStream();
  stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": place.host, "content-type": "application/json" }, requestFor(place));
  expect(stream.localResponse).toBeNull();
  stream.sendResponseHeaders({ ":status": String(answer.status), ...answer.headers });
  answer.chunks.forEach((c, i) => stream.sendResponseBody(c, i === answer.chunks.length - 1));
  stream.complete();
  const headers = stream.downstreamHeaders ?? stream.responseHeaders;
  return { headers, body: stream.downstreamBodyText(), trapped: host.trap };
}

const rows = (Object.keys(SECRETS) as SecretKind[]).flatMap((kind) => ENCODINGS.flatMap((encoding) => PLACES.map((place, p) => ({ kind, encoding, place: place.name, p }))));

describe("no configured secret reaches the client, in any encoding or place (emulator)", () => {
  it("the Vertex token was fetched", () => expect(host.httpCalls).toHaveLength(1));

  it.each(rows)("$kind, $encoding.name, in $place", ({ kind, encoding, p }) => {
    const secret = SECRETS[kind];
    const units = encoding.units(secret);
    const got = exchange(p, units);
    expect(got.trapped).toBeNull();
    const headerText = got.headers.map(([k, v]) => `${k}: ${v}`).join("\n");
    expect(leaks(headerText, secret), headerText).toBe(false);
    expect(leaks(got.body, secret), got.body).toBe(false);
    if (PLACES[p].stream) expect(leaks(streamText(got.body), secret), streamText(got.body)).toBe(false);
    // Something was overwritten (not merely lost), and the answer still reads as what it was.
    expect(headerText + got.body + streamText(got.body)).toMatch(/\[redacted\]/);
    const length = got.headers.find(([k]) => k === "content-length")?.[1];
    if (length !== undefined) expect(Number(length)).toBe(Buffer.byteLength(got.body));
    const type = got.headers.find(([k]) => k === "content-type")?.[1] ?? "";
    if (type.startsWith("application/json")) expect(() => JSON.parse(got.body), got.body).not.toThrow();
  });
});

describe("long response headers", () => {
  // Header names and values are scanned in a buffer kept up to 8 KiB, and in one of their own beyond.
  it.each([100, 5_000, 20_000])("a secret at the end of a %i-byte header value is overwritten", (padding) => {
    const place = PLACES.findIndex((p) => p.name === "a debug header");
    const secret = SECRETS[Object.keys(SECRETS)[0] as SecretKind];
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": PLACES[place].host, "content-type": "application/json" }, requestFor(PLACES[place]));
    expect(stream.localResponse).toBeNull();
    stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "x-debug-trace": "x".repeat(padding) + secret });
    stream.sendResponseBody('{"choices":[]}', true);
    const value = (stream.downstreamHeaders ?? stream.responseHeaders).find(([k]) => k === "x-debug-trace")?.[1] ?? "";
    expect(value).not.toContain(secret);
    expect(value).toBe("x".repeat(padding) + "[redacted]" + "*".repeat(secret.length - 10));
  });
});

describe("answers scanned side by side", () => {
  // An answer whole in one chunk is scanned by the VM's one scanner (reset for each); an answer in
  // chunks keeps its own. Interleaved, neither may lose a match to the other.
  it("a chunked answer's secret split across chunks, with a one-chunk answer scanned in between", () => {
    const place = PLACES.findIndex((p) => p.name === "a debug header");
    const secret = SECRETS[Object.keys(SECRETS)[0] as SecretKind];
    const open = () => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": PLACES[place].host, "content-type": "application/json" }, requestFor(PLACES[place]));
      expect(s.localResponse).toBeNull();
      s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      return s;
    };
    const answer = `{"choices":[{"message":{"role":"assistant","content":"key ${secret} end"}}]}`;
    const cut = answer.indexOf(secret) + 6;
    const chunked = open();
    chunked.sendResponseBody(answer.slice(0, cut), false);
    for (let i = 0; i < 3; i++) {
      const whole = open();
      // The first one-chunk answer ends inside a secret's start: the next must not carry it on.
      whole.sendResponseBody(i === 0 ? answer.slice(0, cut) : answer, true);
      if (i > 0) expect(whole.downstreamBodyText()).not.toContain(secret);
      if (i > 0) expect(whole.downstreamBodyText()).toContain("[redacted]");
      if (i > 0) expect(whole.downstreamBodyText().length).toBe(answer.length);
    }
    chunked.sendResponseBody(answer.slice(cut), true);
    expect(host.trap).toBeNull();
    expect(chunked.downstreamBodyText()).not.toContain(secret.slice(0, 8));
    expect(chunked.downstreamBodyText()).toContain("[redacted]");
    expect(chunked.downstreamBodyText().length).toBe(answer.length);
  });
});

describe("fetched tokens", () => {
  it("a refreshed Vertex token is redacted at once, and the token it replaced one refresh longer", async () => {
    let now = 1_800_000_000n;
    const { host } = await loadFilter(secretsConfig(true), { env: ENV, allowOnHeadersStopIteration: true, clock: () => now * 1_000_000_000n });
    const token = (n: number) => `ya29.c.refreshed-${n}-Zk3Lq8Vw2Xy5`;
    const echo = () => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "oa.llm", "content-type": "application/json" }, requestFor(PLACES[3]));
      s.sendResponseHeaders({ ":status": "400", "content-type": "application/json" });
      s.sendResponseBody(`{"error":{"message":"seen: ${token(1)} ${token(2)} ${token(3)}"}}`, true);
      return s.downstreamBodyText();
    };
    host.tick();
    for (let n = 1; n <= 3; n++) {
      host.deliverHttpCallResponse(host.httpCalls.at(-1)!.token, [[":status", "200"]], JSON.stringify({ access_token: token(n), expires_in: 3599, token_type: "Bearer" }));
      const body = echo();
      expect(body).not.toContain(token(n));
      if (n > 1) expect(body).not.toContain(token(n - 1));
      now += 3599n - 299n;
      host.tick();
    }
    // Two refreshes on, the first token is forgotten (it expired four minutes before).
    expect(echo()).toContain(token(1));
  });
});

describe("answers arrive readable", () => {
  it.each(["oa.llm", "an.llm"])("%s: the client's accept-encoding is not passed on (a compressed answer could not be scanned)", (authority) => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": authority, "content-type": "application/json", "accept-encoding": "gzip, deflate, br" }, requestFor(PLACES[0]));
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader("accept-encoding")).toBeUndefined();
  });
});

describe("hostile answers: bounded, linear, never a trap", () => {
  const key = SECRETS["OpenAI key"];
  const passThrough = (chunks: string[], type = "application/json") => {
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "oa.llm", "content-type": "application/json" }, requestFor(PLACES[5]));
    s.sendResponseHeaders({ ":status": "200", "content-type": type });
    const sent: number[] = [];
    chunks.forEach((c, i) => { s.sendResponseBody(c, i === chunks.length - 1); sent.push(s.downstreamBody.length); });
    s.complete();
    return { s, sent };
  };

  it("a match in progress while 1 MB of other text passes holds at most 64 KiB back", () => {
    // The "content" channel waits on a secret's first 12 characters; "other" text keeps coming.
    const head = `{"content":"${key.slice(0, 12)}","other":"`;
    const chunks = [head, ...Array.from({ length: 100 }, () => "x".repeat(10_000)), `"}`];
    const { s, sent } = passThrough(chunks);
    let total = 0;
    chunks.forEach((c, i) => { total += Buffer.byteLength(c); expect(total - sent[i], `after chunk ${i}`).toBeLessThanOrEqual(64 * 1024 + 10_000); });
    expect(s.downstreamBodyText()).toBe(chunks.join(""));
    expect(host.trap).toBeNull();
  });

  it.each([
    ["escapes that are not", "\\u12%4\\x%%\\".repeat(40_000)],
    ["a secret less its last character, again and again", key.slice(0, -1).repeat(20_000)],
    ["half escapes of a secret", [...key].map((c, i) => (i % 2 ? `\\u00${c.charCodeAt(0).toString(16)}` : c)).join("").slice(0, -3).repeat(8_000)],
    ["deep nesting", "[{\"a\":".repeat(50_000)],
  ])("%s: the same bytes go out, in time linear in the answer", (_name, text) => {
    const body = `{"x":"${text}"}`;
    const chunks = Array.from({ length: Math.ceil(body.length / 4093) }, (_, i) => body.slice(i * 4093, (i + 1) * 4093));
    const started = performance.now();
    const { s } = passThrough(chunks);
    const ms = performance.now() - started;
    expect(host.trap).toBeNull();
    expect(s.downstreamBody.length).toBe(Buffer.byteLength(body));
    // About 1 MB: well under a second even on a loaded machine (a quadratic scan would take minutes).
    expect(ms, `${(body.length / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms`).toBeLessThan(5_000);
  });
});

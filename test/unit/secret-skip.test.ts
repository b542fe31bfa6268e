// The secret scanner passes over text sixteen bytes at a time where no match is in progress
// (assembly/safety/byte-class.ts). What it skips must never hold a secret's start: these rows put
// secrets at every alignment to those blocks, next to near-misses, escapes, non-ASCII text, chunk
// cuts and string ends, and hold the client's answer to an exact oracle (the answer as sent, each
// secret overwritten in place by a marker of its length) or, where escapes are involved, to "no
// form of the secret leaks". Through the compiled module in the host emulator.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { loadFilter } from "../support/filter.js";
import { rng } from "../support/random.js";
import { SECRETS, SECRET_ENV, chatJson, chunk, leaks, secretsConfig, streamEnd, streamText } from "../support/secret-rows.js";

const KEY = SECRETS["OpenAI key"];
const PROSE = "Here is a plain answer, explaining how the mesh routes requests to providers and keeps keys safe. ";

let host: HostEmulator;
beforeAll(async () => {
  // Every kind of secret is held, so the matcher starts at many letters (the skip's hardest case).
  const loaded = await loadFilter(secretsConfig(false), { env: SECRET_ENV, allowOnHeadersStopIteration: true });
  expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
  host = loaded.host;
});

/**
 * What the client must get: every plain secret overwritten in place by a marker of its length,
 * nothing else touched. A piece that ends within a secret's first three bytes lets them go (a
 * match is held back only from its fourth byte on: HOLD_MIN_SYMBOLS, assembly/safety/secret-scanner.ts),
 * and the marker covers the rest.
 */
function redacted(body: string, cuts: number[] = []): string {
  const marker = (n: number) => `[redacted]${"*".repeat(n - 10)}`;
  let out = "";
  let from = 0;
  for (;;) {
    let at = -1, secret = "";
    for (const s of Object.values(SECRETS)) { const i = body.indexOf(s, from); if (i >= 0 && (at < 0 || i < at)) { at = i; secret = s; } }
    if (at < 0) return out + body.slice(from);
    const held = cuts.find((c) => c > at && c < at + 4);
    const kept = held === undefined ? 0 : held - at;
    out += body.slice(from, at) + body.slice(at, at + kept) + marker(secret.length - kept);
    from = at + secret.length;
  }
}
/** Sends one answer in the given chunks; returns the client's body. */
function exchange(chunks: string[], stream = false): string {
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "oa.llm", "content-type": "application/json" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], ...(stream ? { stream: true } : {}) }));
  expect(s.localResponse).toBeNull();
  s.sendResponseHeaders({ ":status": "200", "content-type": stream ? "text/event-stream" : "application/json" });
  chunks.forEach((c, i) => s.sendResponseBody(c, i === chunks.length - 1));
  s.complete();
  expect(host.trap).toBeNull();
  return s.downstreamBodyText();
}

/** Cuts a body into pieces at the given offsets. */
function cut(body: string, at: number[]): string[] {
  const points = [0, ...at, body.length];
  return points.slice(1).map((end, i) => body.slice(points[i], end));
}

describe("a secret at every alignment to the scanner's 16-byte blocks", () => {
  // Offsets 0..47 put the key's first byte in every lane of three blocks, and within the last 16 bytes of a piece.
  const rows = Array.from({ length: 48 }, (_, k) => ({ k }));

  it.each(rows)("one chunk, key at content offset $k", ({ k }) => {
    const body = chatJson(PROSE.repeat(2).slice(0, k) + KEY + " " + PROSE);
    expect(exchange([body])).toBe(redacted(body));
  });

  it.each(rows)("two chunks cut $k bytes into the key's surroundings", ({ k }) => {
    const body = chatJson(PROSE + KEY + " " + PROSE);
    const at = body.indexOf(KEY) - 24 + k;
    expect(exchange(cut(body, [at]))).toBe(redacted(body, [at]));
  });
});

describe("what the skip must stop at", () => {
  const rows: { name: string; text: string; exact: boolean }[] = [
    { name: "near-misses before the key (its first letters, its prefix, another key's prefix)", text: `${PROSE}s sk sk- sk-proj sk-proj-Qm4 sk-ant- ya29. wJal ${KEY} ${PROSE}`, exact: true },
    { name: "the key right after an escape", text: `${PROSE}\\n${KEY}\\"${PROSE}`, exact: true },
    { name: "the key between non-ASCII text", text: `${PROSE}ünïcödé ✓ — ${KEY}ünïcödé ✓ ${PROSE}`, exact: true },
    { name: "the key twice, back to back", text: `${PROSE}${KEY}${KEY}${PROSE}`, exact: true },
    { name: "the key's second letter escaped", text: `${PROSE}s\\u006b${KEY.slice(2)} ${PROSE}`, exact: false },
    { name: "the key's first letter escaped", text: `${PROSE}\\u0073${KEY.slice(1)} ${PROSE}`, exact: false },
    { name: "the key's second letter percent-encoded", text: `${PROSE}s%6b${KEY.slice(2)} ${PROSE}`, exact: false },
    { name: "the key as the last bytes of the content", text: `${PROSE}${PROSE}${KEY}`, exact: true },
  ];

  it.each(rows)("$name", ({ text, exact }) => {
    const body = chatJson(text);
    const got = exchange([body]);
    expect(leaks(got, KEY), got).toBe(false);
    expect(got).toMatch(/\[redacted\]/);
    if (exact) expect(got).toBe(redacted(body));
  });

  it.each([1, 2, 5])("a stream that cuts the key after its first %i letters, a long delta before it", (n) => {
    const chunks = [chunk(PROSE.repeat(3) + KEY.slice(0, n)), chunk(KEY.slice(n) + " " + PROSE), streamEnd];
    const got = exchange(chunks, true);
    expect(leaks(streamText(got), KEY), streamText(got)).toBe(false);
    expect(streamText(got)).toMatch(/\[redacted\]/);
  });
});

describe("random text: every secret found, nothing else changed", () => {
  // Tokens that stop the skip (letters secrets start with, escapes, quotes) mixed with plain text and whole secrets.
  const TOKENS = ["the ", "mesh ", "routes ", "and ", "s", "sk", "sk-", "sk-proj-", "ya", "IQ", "wJ", "\\n", "\\\"", "\\\\", "%", "ünï ", "✓", "0123456789abcdef", ...Object.values(SECRETS)];
  const seeds = Array.from({ length: 40 }, (_, i) => ({ seed: 7001 + i }));

  it.each(seeds)("seed $seed", ({ seed }) => {
    const random = rng(seed);
    let text = "";
    while (text.length < 2000) text += TOKENS[Math.floor(random() * TOKENS.length)];
    const body = chatJson(text);
    const at = Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * body.length)).sort((a, b) => a - b);
    const got = exchange(cut(body, at));
    expect(got).toBe(redacted(body, at));
  });
});

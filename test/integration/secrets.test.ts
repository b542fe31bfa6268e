// A key never leaves, in any encoding, in real Envoy: a provider that echoes configured secrets in
// every encoding and place (test/support/secret-rows.ts), each row's body written in pieces that
// reach the filter as separate callbacks; and the headers of every body the filter replaces.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { CraftedUpstream } from "../support/crafted-upstream.js";
import { send } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";
import { REPLACED_BODY_ROWS, chat } from "../support/replaced-body-rows.js";
import { ENCODINGS, PLACES, SECRETS, SECRET_ENV, SecretKind, leaks, requestFor, secretsConfig, streamText } from "../support/secret-rows.js";

const upstream = new CraftedUpstream();
let envoy: RunningEnvoy;

beforeAll(async () => {
  const port = await upstream.start();
  const config = bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig: secretsConfig(false), mockUpstream: { address: "127.0.0.1", port }, requestMode: "body", env: { values: SECRET_ENV } });
  envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config });
});
afterAll(async () => { await envoy?.stop(); await upstream.close(); });

const KINDS = Object.keys(SECRETS) as SecretKind[];
// Every place x every encoding; the secret kind turns with each row, so every pair of the three is covered.
const rows = PLACES.flatMap((place, p) => ENCODINGS.map((encoding, e) => ({ place: place.name, p, encoding, kind: KINDS[(p + e) % KINDS.length] })));

const headerText = (headers: Record<string, string | string[] | undefined>) => Object.entries(headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`).join("\n");

describe("no configured secret reaches the client through real Envoy", () => {
  it.each(rows)("$kind, $encoding.name, in $place", async ({ p, encoding, kind }) => {
    const place = PLACES[p];
    const secret = SECRETS[kind];
    upstream.answer = place.answer(encoding.units(secret));
    const reply = await send(envoy.url, { host: place.host, body: requestFor(place) });
    const headers = headerText(reply.headers);
    expect(leaks(headers, secret), headers).toBe(false);
    expect(leaks(reply.body, secret), reply.body).toBe(false);
    if (place.stream) expect(leaks(streamText(reply.body), secret)).toBe(false);
    expect(headers + reply.body + streamText(reply.body)).toMatch(/\[redacted\]/);
    const length = reply.headers["content-length"];
    if (length !== undefined) expect(Number(length)).toBe(Buffer.byteLength(reply.body));
  });
});

describe("a replaced body has headers that describe it, in real Envoy", () => {
  it.each(REPLACED_BODY_ROWS.filter((r) => r.host !== "try"))("$name", async (row) => {
    upstream.answer = { status: row.status, headers: row.headers, chunks: [row.body] };
    const reply = await send(envoy.url, { host: row.host, body: chat });
    expect(reply.status).toBe(row.expect.status);
    expect(reply.headers["content-type"]).toMatch(row.expect.type);
    expect(reply.headers["content-encoding"]).toBeUndefined();
    const length = reply.headers["content-length"];
    if (length !== undefined) expect(Number(length)).toBe(Buffer.byteLength(reply.body));
    expect(() => JSON.parse(reply.body), reply.body).not.toThrow();
  });
});

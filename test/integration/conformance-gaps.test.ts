// The rows of test/support/conformance-gap-rows.ts (cells of docs/conformance.md no other test
// proved) in real Envoy, against an upstream that answers each row's canned response in small
// writes: the path the provider gets, and what the client gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { send } from "../support/envoy.js";
import { WASM_PATH, json } from "../support/filter.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { CannedUpstream } from "../support/canned-upstream.js";
import { GAP_SETS } from "../support/conformance-gap-rows.js";
import { parseSse } from "../support/translation-rows.js";

describe.each(GAP_SETS.map((s) => [s.name, s] as const))("conformance gaps in real Envoy: %s", (_name, set) => {
  const upstream = new CannedUpstream();
  let envoy: RunningEnvoy;
  beforeAll(async () => {
    const port = await upstream.start();
    const config = bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig: set.config, mockUpstream: { address: "127.0.0.1", port }, requestMode: "body", env: { values: BEDROCK_ENV } });
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config });
  });
  afterAll(async () => { await envoy?.stop(); await upstream.close(); });

  // "%s" with the name, not "$name": vitest prints a $name value quoted and cut at 40 characters.
  it.each(set.rows.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    upstream.row = row;
    upstream.received.length = 0;
    const reply = await send(envoy.url, { host: row.host, path: row.path, body: typeof row.request === "string" ? row.request : JSON.stringify(row.request), headers: row.headers ?? {} });
    expect(upstream.received.map((r) => r.path)).toEqual([row.upstream!.path]);
    if (row.upstream!.exactBody !== undefined) expect(upstream.received[0].body).toBe(row.upstream!.exactBody);
    if (row.upstream!.body !== undefined) expect(json(upstream.received[0].body)).toEqual(row.upstream!.body);
    const client = row.client!;
    expect(reply.status).toBe(client.status);
    if (client.exactBody !== undefined) expect(reply.body).toBe(client.exactBody);
    else if (client.events) expect(parseSse(reply.body)).toEqual(client.events);
    else expect(json(reply.body)).toEqual(client.body);
  });
});

// Prompt caching rows (test/support/caching-rows.ts) through the compiled module in the host
// emulator: the request each backend gets, and the usage each client gets back.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { json, loadFilter } from "../support/filter.js";
import { answerBytes, parseSse } from "../support/translation-rows.js";
import { CACHING_CONFIG, CACHING_ROWS, CachingRow, clientUsageOf } from "../support/caching-rows.js";

function run(host: HostEmulator, row: CachingRow): void {
  const stream = host.createStream();
  const body = typeof row.request === "string" ? row.request : JSON.stringify(row.request);
  stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", "anthropic-version": "2023-06-01" }, body);
  expect(stream.localResponse?.body).toBeUndefined();
  if (row.upstream) {
    expect(stream.requestHeader(":path")).toBe(row.upstream.path);
    if (row.upstream.exactBody !== undefined) expect(stream.upstreamBodyText()).toBe(row.upstream.exactBody);
    if (row.upstream.body !== undefined) expect(json(stream.upstreamBodyText())).toEqual(row.upstream.body);
  }
  if (row.answer) {
    const { bytes, contentType, streamed } = answerBytes(row.answer);
    stream.sendResponseHeaders({ ":status": "200", "content-type": contentType, "content-length": String(bytes.length) });
    // Streams one byte per callback: usage split across callbacks must still be read whole.
    const pieces = streamed ? [...bytes].map((b) => Uint8Array.of(b)) : [bytes];
    pieces.forEach((piece, i) => stream.sendResponseBody(piece, i === pieces.length - 1));
    const text = stream.downstreamBodyText();
    expect(clientUsageOf(text, streamed ? parseSse(text) : null)).toEqual(row.clientUsage);
  }
  stream.complete();
  expect(host.trap).toBeNull();
}

describe("prompt caching across APIs (emulator, body mode)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(CACHING_CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each(CACHING_ROWS)("$name", (row) => run(host, row));
});

// The rows of test/support/conformance-gap-rows.ts (cells of docs/conformance.md no other test
// proved) through the compiled module in the host emulator: the upstream path, then the canned
// answer whole and one byte per body callback, and what the client gets.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator, HttpStream } from "../../src-host-tools/host/emulator.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { json, loadFilter } from "../support/filter.js";
import { GAP_SETS } from "../support/conformance-gap-rows.js";
import { TranslationRow, answerBytes, parseSse } from "../support/translation-rows.js";

const requestText = (row: TranslationRow) => typeof row.request === "string" ? row.request : JSON.stringify(row.request);

function run(host: HostEmulator, row: TranslationRow, byteByByte: boolean): HttpStream {
  const stream = host.createStream();
  stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", ...(row.headers ?? {}) }, requestText(row));
  expect(stream.localResponse?.body).toBeUndefined();
  expect(stream.requestHeader(":path")).toBe(row.upstream!.path);
  if (row.upstream!.exactBody !== undefined) expect(stream.upstreamBodyText()).toBe(row.upstream!.exactBody);
  if (row.upstream!.body !== undefined) expect(json(stream.upstreamBodyText())).toEqual(row.upstream!.body);
  const { bytes, contentType } = answerBytes(row.answer!);
  stream.sendResponseHeaders({ ":status": String(row.answer!.status ?? 200), "content-type": contentType });
  const pieces = byteByByte ? [...bytes].map((b) => Uint8Array.of(b)) : [bytes];
  pieces.forEach((piece, i) => stream.sendResponseBody(piece, i === pieces.length - 1));
  const client = row.client!;
  const text = stream.downstreamBodyText();
  expect(Number(stream.responseHeader(":status"))).toBe(client.status);
  if (client.exactBody !== undefined) expect(text).toBe(client.exactBody);
  else if (client.events) expect(parseSse(text)).toEqual(client.events);
  else expect(json(text)).toEqual(client.body);
  stream.complete();
  expect(host.trap).toBeNull();
  return stream;
}

describe.each(GAP_SETS.map((s) => [s.name, s] as const))("conformance gaps in the emulator: %s", (_name, set) => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(set.config, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });
  // "%s" with the name, not "$name": vitest prints a $name value quoted and cut at 40 characters.
  const named = set.rows.map((row) => [row.name, row] as const);
  it.each(named)("%s", (_name, row) => { run(host, row, false); });
  it.each(named)("one byte per body callback: %s", (_name, row) => { run(host, row, true); });
});

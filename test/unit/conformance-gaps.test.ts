// The rows of test/support/conformance-gap-rows.ts (cells of docs/conformance.md no other test
// proved) through the compiled module in the host emulator: the upstream path, then the canned
// answer whole and one byte per body callback, and what the client gets.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator, HttpStream } from "../../src-host-tools/host/emulator.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { loadFilter } from "../support/filter.js";
import { GAP_SETS } from "../support/conformance-gap-rows.js";
import { TranslationRow } from "../support/translation-rows.js";
import { answerRow, expectClient, expectUpstream, sendRow } from "../support/row-harness.js";

/** The row's request, what went upstream, its answer (whole, or one byte per body callback), and what the client got. */
function run(host: HostEmulator, row: TranslationRow, byteByByte: boolean): HttpStream {
  const stream = sendRow(host, row);
  expectUpstream(stream, row, false);
  answerRow(stream, row, byteByByte, false);
  expectClient(stream, row);
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

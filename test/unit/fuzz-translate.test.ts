// The translators under random input: mutated and truncated request bodies, provider answers and
// event streams, and the real streams split at every byte. The VM never traps; whatever reaches
// either side is still well-formed (JSON bodies, SSE events whose data is JSON).
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator, HttpStream } from "../../src-host-tools/host/emulator.js";
import { loadFilter } from "../support/filter.js";
import { BEDROCK_CONFIG, BEDROCK_ENV, GEMINI_CONFIG, TRANSLATE_CONFIG, VERTEX_CONFIG } from "../support/fixtures.js";
import { BEDROCK_ROWS, GEMINI_ROWS, TRANSLATION_ROWS, TranslationRow, VERTEX_ROWS, answerBytes } from "../support/translation-rows.js";
// The thinking rows' requests, answers and streams are fuzzed with the rest.
import "../support/thinking-rows.js";
import { mutate, rng } from "../support/random.js";
import { GEMINI_CLIENT_CONFIG, GEMINI_CLIENT_ROWS } from "../support/gemini-client-rows.js";

const NOISE = ['"', "\\", "{", "}", "[", "]", ":", ",", "\n", "\r", "\n\n", "data: ", "event: ", "[DONE]", "null", "1e999", "-0", "\u0000", "é", "\ud83d\ude00", '"type"', '"index":99999', '"index":-1'];

const requestText = (row: TranslationRow) => typeof row.request === "string" ? row.request : JSON.stringify(row.request);

function open(host: HostEmulator, row: TranslationRow, body = requestText(row)): HttpStream {
  const stream = host.createStream();
  stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json" }, body);
  return stream;
}

/** Random byte edits: flip bits, cut, duplicate or drop a run. */
function mutateBytes(data: Buffer, random: () => number): Buffer {
  let b = Buffer.from(data);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (b.length + 1));
    switch (Math.floor(random() * 4)) {
      case 0: b = b.subarray(0, at); break;
      case 1: if (at < b.length) b[at] ^= 1 << Math.floor(random() * 8); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(random() * 8))]); break;
      default: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.max(0, at - 16), at), b.subarray(at)]);
    }
  }
  return b;
}

/** Every event's data in an SSE body is JSON or [DONE]; the body is whole events only. */
function expectWellFormedSse(text: string): void {
  if (text.length === 0) return;
  expect(text.endsWith("\n\n"), text.slice(-80)).toBe(true);
  for (const block of text.split("\n\n").filter(Boolean)) {
    const dataLine = block.split("\n").find((l) => l.startsWith("data: "));
    expect(dataLine, block).toBeDefined();
    const payload = dataLine!.slice(6);
    if (payload !== "[DONE]") expect(() => JSON.parse(payload), payload).not.toThrow();
  }
}

describe.each([
  ["Anthropic and OpenAI, headers mode", TRANSLATE_CONFIG, TRANSLATION_ROWS, "headers"],
  ["Anthropic and OpenAI, body mode", TRANSLATE_CONFIG, TRANSLATION_ROWS, "body"],
  ["Gemini, body mode", GEMINI_CONFIG, GEMINI_ROWS, "body"],
  ["Bedrock, body mode", BEDROCK_CONFIG, BEDROCK_ROWS, "body"],
  ["Vertex AI, body mode", VERTEX_CONFIG, VERTEX_ROWS, "body"],
  ["Gemini-native clients, body mode", GEMINI_CLIENT_CONFIG, GEMINI_CLIENT_ROWS, "body"],
] as const)("translation fuzz: %s", (_name, config, rows, mode) => {
  const translatedRows = rows.filter((r) => r.client?.exactBody === undefined);
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter({ ...config, requestMode: mode }, { allowOnHeadersStopIteration: mode === "body", env: BEDROCK_ENV });
    expect(loaded.configured).toBe(true);
    host = loaded.host;
  });

  it("3,000 mutated request bodies: a JSON refusal or a JSON request upstream, never a trap", () => {
    const random = rng(0x7a11);
    for (let i = 0; i < 3000; i++) {
      const row = translatedRows[i % translatedRows.length];
      const body = mutate(requestText(row), random, NOISE, 4);
      const stream = open(host, row, body);
      expect(host.trap, body).toBeNull();
      if (stream.localResponse) expect(() => JSON.parse(stream.localResponse!.body), body).not.toThrow();
      else if (stream.upstreamBody.length > 0) expect(() => JSON.parse(stream.upstreamBodyText()), body).not.toThrow();
      stream.complete();
    }
  });

  it("2,000 mutated provider answers and streams: the client gets JSON or well-formed events, never a trap", () => {
    const random = rng(0xa115);
    const answered = translatedRows.filter((r) => r.answer && !r.reply);
    for (let i = 0; i < 2000; i++) {
      const row = answered[i % answered.length];
      const stream = open(host, row);
      if (stream.localResponse) { stream.complete(); continue; }
      const a = row.answer!;
      const { bytes: originalBytes, contentType, streamed } = answerBytes(a);
      // Binary frames are mutated as bytes (flipped, cut, spliced); text as text.
      const bytes = a.frames ? mutateBytes(originalBytes, random) : Buffer.from(mutate(originalBytes.toString("utf8"), random, NOISE, 4));
      const text = bytes.toString("latin1");
      stream.sendResponseHeaders({ ":status": String(a.status ?? 200), "content-type": contentType });
      let offset = 0;
      while (offset < bytes.length || offset === 0) {
        const size = 1 + Math.floor(random() * 64);
        stream.sendResponseBody(bytes.subarray(offset, offset + size), offset + size >= bytes.length);
        offset += size;
      }
      expect(host.trap, text).toBeNull();
      const out = stream.downstreamBodyText();
      if (streamed && (a.status ?? 200) < 400) expectWellFormedSse(out);
      else expect(() => JSON.parse(out), out).not.toThrow();
      stream.complete();
    }
  });

  it("every stream split in two at every byte gives the same client stream", () => {
    for (const row of translatedRows.filter((r) => r.answer?.chunks || r.answer?.frames)) {
      const { bytes: whole, contentType } = answerBytes(row.answer!);
      const reference = open(host, row);
      reference.sendResponseHeaders({ ":status": "200", "content-type": contentType });
      reference.sendResponseBody(whole, true);
      const expected = reference.downstreamBodyText().replace(/"created(_at)?":\d+|chatcmpl-bedrock-\d+|resp_llmmesh\d+/g, "");
      reference.complete();
      for (let k = 1; k < whole.length; k++) {
        const stream = open(host, row);
        stream.sendResponseHeaders({ ":status": "200", "content-type": contentType });
        stream.sendResponseBody(whole.subarray(0, k), false);
        stream.sendResponseBody(whole.subarray(k), true);
        expect(stream.downstreamBodyText().replace(/"created(_at)?":\d+|chatcmpl-bedrock-\d+|resp_llmmesh\d+/g, ""), `${row.name} split at ${k}`).toBe(expected);
        stream.complete();
      }
      expect(host.trap).toBeNull();
    }
  });
});

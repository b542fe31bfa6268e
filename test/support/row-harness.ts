// One way to run a translation row (test/support/translation-rows.ts) through the module in the host
// emulator: send the client's request, check what went upstream, answer as the provider, check what
// the client got. The translation, Gemini-client and conformance-gap tables all use it.
import { expect } from "vitest";
import { HostEmulator, HttpStream } from "../../src-host-tools/host/emulator.js";
import { json } from "./filter.js";
import { TranslationRow, answerBytes, parseSse } from "./translation-rows.js";

/** The row's request, with `headers` (e.g. a client credential that must not reach the provider) added. */
export function sendRow(host: HostEmulator, row: TranslationRow, headers: Record<string, string> = {}): HttpStream {
  const stream = host.createStream();
  const body = typeof row.request === "string" ? row.request : JSON.stringify(row.request);
  stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", ...headers, ...(row.headers ?? {}) }, body);
  return stream;
}

/** The row's local reply, or its upstream request (path, headers, body; in body mode the exact length). */
export function expectUpstream(stream: HttpStream, row: TranslationRow, bodyMode: boolean): void {
  if (row.reply) {
    expect(stream.localResponse, "expected a local reply").not.toBeNull();
    expect(stream.localResponse!.status).toBe(row.reply.status);
    expect(json(stream.localResponse!.body)).toEqual(row.reply.body);
    expect(stream.upstreamBody.length).toBe(0);
    return;
  }
  expect(stream.localResponse?.body).toBeUndefined();
  const up = row.upstream;
  if (!up) return;
  expect(stream.requestHeader(":path")).toBe(up.path);
  for (const [name, value] of Object.entries(up.headers ?? {})) expect(stream.requestHeader(name), name).toEqual(value);
  if (up.exactBody !== undefined) expect(stream.upstreamBodyText()).toBe(up.exactBody);
  if (up.body !== undefined) expect(json(stream.upstreamBodyText())).toEqual(up.body);
  // Body mode sends the exact length; headers mode lets Envoy frame the rewritten body.
  if (bodyMode) expect(stream.requestHeader("content-length")).toBe(String(stream.upstreamBody.length));
}

/**
 * The row's answer as the provider sends it: in its own pieces (37-byte ones for binary frames), or
 * with `byteByByte` one byte per body callback. `contentLength` sends the provider's length header.
 */
export function answerRow(stream: HttpStream, row: TranslationRow, byteByByte: boolean, contentLength = true): void {
  const a = row.answer!;
  const { bytes, contentType } = answerBytes(a);
  stream.sendResponseHeaders({ ":status": String(a.status ?? 200), "content-type": contentType, ...(contentLength ? { "content-length": String(bytes.length) } : {}) });
  const pieces = byteByByte ? [...bytes].map((b) => Uint8Array.of(b))
    : a.chunks ? a.chunks.map((c) => Buffer.from(c))
    : a.frames ? Array.from({ length: Math.ceil(bytes.length / 37) }, (_, i) => bytes.subarray(i * 37, i * 37 + 37))
    : [bytes];
  pieces.forEach((piece, i) => stream.sendResponseBody(piece, i === pieces.length - 1));
}

/** What the client got: status, headers, body or events; never a key. `lengthRule` also checks content-length. */
export function expectClient(stream: HttpStream, row: TranslationRow, lengthRule = false): void {
  const expected = row.client!;
  expect(Number(stream.responseHeader(":status"))).toBe(expected.status);
  for (const [name, value] of Object.entries(expected.headers ?? {})) expect(stream.responseHeader(name), name).toEqual(value);
  const text = stream.downstreamBodyText();
  if (lengthRule) {
    // A body the filter rewrote loses the provider's length; one it passed on keeps it, but for a
    // stream (which may end with an error event if it breaks off).
    const passedOn = expected.exactBody !== undefined && !stream.responseHeader("content-type")?.startsWith("text/event-stream");
    expect(stream.responseHeader("content-length")).toBe(passedOn ? String(Buffer.byteLength(text)) : undefined);
  }
  if (expected.exactBody !== undefined) expect(text).toBe(expected.exactBody);
  else if (expected.events) expect(parseSse(text)).toEqual(expected.events);
  else expect(json(text)).toEqual(expected.body);
  expect(text).not.toMatch(/test-[a-z]+-key|client-held-secret/);
}

// The project's own external processor: a pass-through that answers CONTINUE to every phase, what
// the empty module is among Wasm filters. It tests `llm-mesh bench --ext-proc` and measures what
// Envoy's ext_proc costs by itself. gRPC is spoken over node:http2 and the few protobuf fields it
// needs are read and written by hand (field numbers from Envoy's envoy.service.ext_proc.v3 API), so
// it needs no gRPC package.
//   tsx src-host-tools/bench/ext-proc-server.ts [--port N] [--host H]
// prints "listening on HOST:PORT"; GET /counts on the same port answers the messages seen, by phase.
import { createServer, Http2Server, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { EXT_PROC_METHOD } from "./ext-proc-peer.js";

/** ProcessingRequest's oneof, by field number; the answer to each is ProcessingResponse field (number - 1). */
const PHASES = { 2: "requestHeaders", 3: "responseHeaders", 4: "requestBody", 5: "responseBody", 6: "requestTrailers", 7: "responseTrailers" } as const;
type Phase = (typeof PHASES)[keyof typeof PHASES];
export type ExtProcCounts = Record<Phase | "streams", number>;

/** A varint at `at`: its value and where the next field starts; undefined when cut short. */
function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  for (let shift = 0; at < bytes.length && shift < 64; shift += 7) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, at];
  }
  return undefined;
}

/** The field number of the request's phase (2..7), or undefined for a message that has none or is malformed. */
export function requestPhase(message: Uint8Array): keyof typeof PHASES | undefined {
  let found: keyof typeof PHASES | undefined;
  for (let at = 0; at < message.length;) {
    const key = varint(message, at);
    if (!key) return undefined;
    const [tag, next] = key;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) { const v = varint(message, next); if (!v) return undefined; at = v[1]; }
    else if (wire === 1) at = next + 8;
    else if (wire === 5) at = next + 4;
    else if (wire === 2) {
      const len = varint(message, next);
      if (!len || len[1] + len[0] > message.length) return undefined;
      if (field in PHASES) found = field as keyof typeof PHASES;
      at = len[1] + len[0];
    } else return undefined;
    if (at > message.length) return undefined;
  }
  return found;
}

/**
 * The CONTINUE answer to a phase: ProcessingResponse { <phase> { response: CommonResponse {} } }.
 * CommonResponse's status defaults to CONTINUE; trailers answers (TrailersResponse) have no such field.
 */
export function continueAnswer(phase: keyof typeof PHASES): Uint8Array {
  const inner = phase >= 6 ? [] : [0x0a, 0x00];
  return Uint8Array.from([((phase - 1) << 3) | 2, inner.length, ...inner]);
}

/** A gRPC frame: not compressed, 4-byte big-endian length, the message. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export interface PassThroughExtProc { host: string; port: number; server: Http2Server; counts: ExtProcCounts; close(): Promise<void> }

function serveProcess(stream: ServerHttp2Stream, counts: ExtProcCounts): void {
  counts.streams++;
  let status = "0";
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": status }));
  let pending: Buffer = Buffer.alloc(0);
  stream.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && status === "0") {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      const phase = pending[0] === 0 ? requestPhase(pending.subarray(5, 5 + length)) : undefined;
      pending = pending.subarray(5 + length);
      if (phase === undefined) { status = "3"; stream.end(); return; } // INVALID_ARGUMENT: compressed or not a ProcessingRequest
      counts[PHASES[phase]]++;
      stream.write(frame(continueAnswer(phase)));
    }
  });
  stream.on("end", () => { if (!stream.writableEnded) stream.end(); });
  stream.on("error", () => {}); // Envoy resets the stream once it needs nothing more
}

/** Starts the pass-through processor (port 0: any free port). */
export async function startPassThroughExtProc(port = 0, host = "127.0.0.1"): Promise<PassThroughExtProc> {
  const counts: ExtProcCounts = { streams: 0, requestHeaders: 0, requestBody: 0, requestTrailers: 0, responseHeaders: 0, responseBody: 0, responseTrailers: 0 };
  const server = createServer();
  // Envoy keeps its connection open: closing must end the sessions, or close() never returns.
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s) => { sessions.add(s); s.on("close", () => sessions.delete(s)); });
  server.on("stream", (stream: ServerHttp2Stream, headers) => {
    if (headers[":path"] === EXT_PROC_METHOD) return serveProcess(stream, counts);
    if (headers[":path"] === "/counts") {
      stream.respond({ ":status": 200, "content-type": "application/json" });
      return stream.end(JSON.stringify(counts));
    }
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12" }, { endStream: true }); // UNIMPLEMENTED
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(port, host, resolve); });
  const bound = (server.address() as AddressInfo).port;
  return { host, port: bound, server, counts, close: () => new Promise((r) => { for (const s of sessions) s.destroy(); server.close(() => r()); }) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  const running = await startPassThroughExtProc(Number(flag("--port") ?? 0), flag("--host") ?? "127.0.0.1");
  console.log(`listening on ${running.host}:${running.port}`);
  const stop = () => { void running.close(); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

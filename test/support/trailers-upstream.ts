// A loopback HTTP/2 server (h2c, node:http2) whose answers end with HTTP trailers, as gRPC-
// style and some HTTP/2 servers send them: the body in several DATA frames (a pause between them,
// so Envoy hands the filter several body callbacks), then a HEADERS frame of trailers. What it
// answers is chosen by the request's path: each test row registers its own. It records what reached
// it, and an HTTP/2 client for Envoy's listener that keeps the answer's trailers.
import { ClientHttp2Session, Http2Server, IncomingHttpHeaders, ServerHttp2Stream, connect, createServer } from "node:http2";
import { AddressInfo } from "node:net";

/** One answer: its content type, the body's pieces (one DATA frame each) and its trailers. */
export interface TrailedAnswer { contentType: string; pieces: string[]; trailers?: Record<string, string>; withContentLength?: boolean }

export interface TrailedRequest { path: string; authority: string; headers: IncomingHttpHeaders; body: string }

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TrailersUpstream {
  readonly received: TrailedRequest[] = [];
  /** Answers by request path without its query (the upstream path after the filter's rewrite). */
  readonly answers = new Map<string, TrailedAnswer>();
  private readonly server: Http2Server = createServer();

  constructor() {
    this.server.on("stream", (stream, headers) => { void this.serve(stream as ServerHttp2Stream, headers); });
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> { return new Promise((r) => this.server.close(() => r())); }

  private async serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const path = String(headers[":path"]);
    this.received.push({ path, authority: String(headers[":authority"]), headers, body: Buffer.concat(chunks).toString("utf8") });
    const answer = this.answers.get(path.split("?")[0]);
    if (!answer) {
      stream.respond({ ":status": 404, "content-type": "text/plain" });
      stream.end(`no answer for ${path}`);
      return;
    }
    const length = answer.withContentLength ? { "content-length": String(Buffer.byteLength(answer.pieces.join(""))) } : {};
    // Without trailers (a control row): the last DATA frame ends the stream.
    const trailers = answer.trailers;
    stream.respond({ ":status": 200, "content-type": answer.contentType, ...length }, { waitForTrailers: trailers !== undefined });
    if (trailers !== undefined) stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    for (const piece of answer.pieces) {
      stream.write(piece);
      await pause(30);
    }
    stream.end();
  }
}

/** What a client got from Envoy over HTTP/2: status, headers, body and trailers (empty when none came). */
export interface H2Reply { status: number; headers: IncomingHttpHeaders; body: string; trailers: IncomingHttpHeaders }

/** One POST to Envoy over h2c with this :authority; trailers are kept. */
export function h2Post(session: ClientHttp2Session, authority: string, path: string, body: string, headers: Record<string, string> = {}): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, ":authority": authority, "content-type": "application/json", ...headers });
    const reply: H2Reply = { status: 0, headers: {}, body: "", trailers: {} };
    req.setEncoding("utf8");
    req.on("response", (h) => { reply.status = Number(h[":status"]); reply.headers = h; });
    req.on("trailers", (t) => { reply.trailers = t; });
    req.on("data", (d: string) => { reply.body += d; });
    req.on("end", () => resolve(reply));
    req.on("error", reject);
    req.end(body);
  });
}

export function h2Connect(url: string): ClientHttp2Session { return connect(url); }

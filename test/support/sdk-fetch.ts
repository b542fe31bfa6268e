// A fetch for the official SDKs that sends a chosen Host (fetch itself always sends the URL's), so
// an SDK pointed at Envoy's loopback port reaches the llm-mesh route for that host. It records
// each request body as the SDK sent it, for byte-for-byte comparisons.
import { request } from "node:http";
import { Readable } from "node:stream";

export interface RecordingFetch {
  fetch: typeof fetch;
  sent: { path: string; headers: Record<string, string>; body: string }[];
}

export function fetchWithHost(host: string): RecordingFetch {
  const sent: RecordingFetch["sent"] = [];
  const hostFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = Object.fromEntries(req.headers);
    headers.host = host;
    sent.push({ path: url.pathname, headers, body: body?.toString("utf8") ?? "" });
    return await new Promise<Response>((resolve, reject) => {
      const r = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers }, (res) => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(", ") : v);
        resolve(new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode, headers: responseHeaders }));
      });
      r.on("error", reject);
      r.end(body);
    });
  };
  return { fetch: hostFetch as typeof fetch, sent };
}

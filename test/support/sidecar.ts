// An Envoy shaped like an Istio sidecar's outbound side, for attacks on key delivery: one listener
// per service port, each with Istio's route layout (a virtual host per service on that port, named
// outbound|PORT||HOST, and `allow_any` sending every other host to PassthroughCluster, an
// ORIGINAL_DST cluster, as under the default outboundTrafficPolicy ALLOW_ANY). Istio's iptables
// capture restores the address the app dialled; here the PROXY protocol header carries it, so a
// test can "dial" any address through the sidecar. The llm-mesh filter runs on every listener, as
// a WasmPlugin without port selectors would.
import { request as httpRequest, createServer, IncomingMessage, Server } from "node:http";
import { connect as h2connect } from "node:http2";
import { AddressInfo, connect, Socket } from "node:net";
import { stringify } from "yaml";
import { listener, wasmFilter } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { WASM_PATH } from "./filter.js";

/** A server that records everything it is sent (an attacker's, or a mesh service's). */
export interface RecordingServer { port: number; requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[]; close(): Promise<void> }

export async function startRecordingServer(answer = '{"id":"x","object":"chat.completion","choices":[]}'): Promise<RecordingServer> {
  const requests: RecordingServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface SidecarOptions {
  pluginConfig: Record<string, unknown>;
  /** Provider hosts with a ServiceEntry on port 80, and where their cluster really sends (the mock). */
  providerHosts: string[];
  providerUpstream: number;
  /** A mesh service on port 8080 (so the sidecar has an HTTP listener there, as a real mesh would). */
  meshService: { host: string; upstream: number };
  env?: Record<string, string>;
}

export interface Sidecar { envoy: RunningEnvoy; port80: number; port8080: number; stop(): Promise<void> }

const staticCluster = (name: string, port: number) => ({
  name, type: "STATIC", connect_timeout: "2s",
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }] },
});

function outboundListener(name: string, vhosts: Record<string, unknown>[], options: SidecarOptions): Record<string, unknown> {
  const routes = { name: name.replace("outbound_", ""), virtual_hosts: [...vhosts, { name: "allow_any", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "PassthroughCluster", timeout: "0s" } }] }] };
  const filter = wasmFilter({ wasmPath: WASM_PATH, pluginConfig: options.pluginConfig as never, env: options.env ? { values: options.env } : undefined, failurePolicy: "FAIL_CLOSED" });
  // The HCM's default codec (AUTO) serves HTTP/1.1 and HTTP/2 prior knowledge alike.
  const l = listener(name, 0, routes, [filter], 16 << 20);
  // Stands in for iptables REDIRECT + SO_ORIGINAL_DST: the destination the app dialled.
  l.listener_filters = [{ name: "envoy.filters.listener.proxy_protocol", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol" } }];
  return l;
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const providerVhosts = options.providerHosts.map((h) => ({ name: `${h}:80`, domains: [h, `${h}:80`], routes: [{ match: { prefix: "/" }, route: { cluster: `outbound|80||${h}` } }] }));
  const mesh = options.meshService;
  const meshVhost = { name: `${mesh.host}:8080`, domains: [mesh.host, `${mesh.host}:8080`], routes: [{ match: { prefix: "/" }, route: { cluster: `outbound|8080||${mesh.host}` } }] };
  const bootstrap = {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [outboundListener("outbound_80", providerVhosts, options), outboundListener("outbound_8080", [meshVhost], options)],
      clusters: [
        ...options.providerHosts.map((h) => staticCluster(`outbound|80||${h}`, options.providerUpstream)),
        staticCluster(`outbound|8080||${mesh.host}`, mesh.upstream),
        { name: "PassthroughCluster", type: "ORIGINAL_DST", lb_policy: "CLUSTER_PROVIDED", connect_timeout: "2s" },
      ],
    },
  };
  const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }) });
  const port = (name: string) => Number(new URL(envoy.listeners[name]).port);
  return { envoy, port80: port("outbound_80"), port8080: port("outbound_8080"), stop: () => envoy.stop() };
}

/** PROXY v1 header saying the app dialled 127.0.0.1:dialled. */
const proxyHeader = (dialled: number) => `PROXY TCP4 127.0.0.1 127.0.0.1 40000 ${dialled}\r\n`;

function proxiedSocket(listenerPort: number, dialled: number): Socket {
  const socket = connect(listenerPort, "127.0.0.1");
  socket.write(proxyHeader(dialled));
  return socket;
}

export interface RawReply { status: number; body: string }

/** Sends raw HTTP/1.1 bytes (absolute-form URIs, odd Host headers) through the sidecar. */
export function sendRaw(listenerPort: number, dialled: number, head: string, body: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = proxiedSocket(listenerPort, dialled);
    let data = "";
    socket.on("data", (d) => { data += d; });
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    socket.write(`${head}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
}

/** Sends one HTTP/1.1 request with a given Host through the sidecar, as an app dialling `dialled` would. */
export function sendHttp1(listenerPort: number, dialled: number, host: string, body: string, extraHeaders: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      method: "POST", path: "/v1/chat/completions", headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(body), ...extraHeaders },
      createConnection: () => proxiedSocket(listenerPort, dialled),
    }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends one HTTP/2 (prior knowledge) request through the sidecar. */
export function sendHttp2(listenerPort: number, dialled: number, headers: Record<string, string>, body: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`http://127.0.0.1:${listenerPort}`, { createConnection: () => proxiedSocket(listenerPort, dialled) });
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json", ...headers });
    let status = 0;
    let text = "";
    stream.on("response", (h) => { status = Number(h[":status"]); });
    stream.on("data", (d) => { text += d; });
    stream.on("end", () => { session.close(); resolve({ status, body: text }); });
    stream.on("error", reject);
    stream.end(body);
  });
}

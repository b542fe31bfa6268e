// An external processor as a bench peer (`llm-mesh bench --ext-proc NAME=HOST:PORT`): a listener
// whose one HTTP filter is Envoy's ext_proc, talking gRPC to a process the bench did not start (Envoy
// AI Gateway's `extproc`, or the project's own pass-through, ext-proc-server.ts). Its cost is
// Envoy's CPU plus that process's, so the process is found by the port it listens on.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isIP } from "node:net";

/** An external processor the bench wires in through Envoy's ext_proc filter. */
export interface ExtProcPeer {
  name: string;
  /** Where it listens for gRPC (HTTP/2 without TLS). */
  host: string;
  port: number;
}

/**
 * What Envoy sends the processor: Envoy AI Gateway's router-level ext_proc mode. Headers both ways,
 * and both bodies buffered whole (one message each), so a processor can read the model and usage.
 */
export const EXT_PROC_PROCESSING_MODE = {
  request_header_mode: "SEND", request_body_mode: "BUFFERED", request_trailer_mode: "SKIP",
  response_header_mode: "SEND", response_body_mode: "BUFFERED", response_trailer_mode: "SKIP",
} as const;

/** The gRPC method Envoy calls: one bidirectional stream per HTTP request. */
export const EXT_PROC_METHOD = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";

const clusterName = (peer: ExtProcPeer) => `ext_proc_${peer.name}`;

/** The listener's HTTP filter: ext_proc, failing closed (a request the processor never saw is not measured as served). */
export function extProcFilter(peer: ExtProcPeer): Record<string, unknown> {
  return {
    name: "envoy.filters.http.ext_proc",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
      grpc_service: { envoy_grpc: { cluster_name: clusterName(peer) }, timeout: "10s" },
      processing_mode: EXT_PROC_PROCESSING_MODE,
      // Envoy's default of 200 ms is too short for a 1 MB body on a loaded 2-core machine.
      message_timeout: "10s",
      failure_mode_allow: false,
      allow_mode_override: true,
    },
  };
}

/** The processor's cluster: gRPC needs HTTP/2; a host name is resolved by DNS. */
export function extProcCluster(peer: ExtProcPeer): Record<string, unknown> {
  const name = clusterName(peer);
  return {
    name,
    type: isIP(peer.host) ? "STATIC" : "STRICT_DNS",
    connect_timeout: "1s",
    // A buffered 1 MB body travels in one message: keep Envoy's 1 MiB default from throttling it.
    per_connection_buffer_limit_bytes: 16 << 20,
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: peer.host, port_value: peer.port } } } }] }] },
  };
}

/** The processes whose CPU the bench adds to Envoy's, or why there are none. */
export type ProcessorProcesses = { pids: number[]; names: string[] } | { pids: []; missing: string; listening: boolean };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const TCP_LISTEN = "0A";

/** Inodes of the sockets listening on a TCP port, IPv4 and IPv6 (/proc/net/tcp{,6}). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try { text = readFileSync(table, "utf8"); } catch { continue; }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      if (parseInt(f[1].split(":").pop()!, 16) === port && f[9] !== "0") inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * The processes holding the socket that listens on a loopback HOST:PORT, found through
 * /proc/net/tcp{,6} (the socket's inode) and /proc/<pid>/fd (who holds it). Only this user's
 * processes can be seen. A processor elsewhere, or one this user cannot read, is reported missing:
 * the bench never guesses its CPU.
 */
export function processorProcesses(peer: ExtProcPeer): ProcessorProcesses {
  if (!LOOPBACK.test(peer.host)) return { pids: [], listening: true, missing: `${peer.host} is not a loopback address, and the bench counts only a processor on this machine` };
  const inodes = listeningInodes(peer.port);
  if (inodes.size === 0) return { pids: [], listening: false, missing: `nothing listens on port ${peer.port}` };
  const sockets = new Set([...inodes].map((i) => `socket:[${i}]`));
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[] = [];
    try { fds = readdirSync(`/proc/${entry}/fd`); } catch { continue; } // another user's, or gone
    if (fds.some((fd) => { try { return sockets.has(readlinkSync(`/proc/${entry}/fd/${fd}`)); } catch { return false; } })) pids.push(Number(entry));
  }
  if (pids.length === 0) return { pids: [], listening: true, missing: `port ${peer.port} listens, but its process belongs to another user` };
  const names = pids.map((pid) => { try { return readFileSync(`/proc/${pid}/comm`, "utf8").trim(); } catch { return "?"; } });
  return { pids, names };
}

// A stand-in for the GCE/GKE metadata server's token endpoint
// (https://cloud.google.com/compute/docs/access/authenticate-workloads#applications): it answers
// only with Metadata-Flavor: Google, as the real one does, and counts the calls.
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface MockMetadataServer { port: number; calls: number; token: string; close(): Promise<void> }

export async function startMockMetadataServer(token: string, expiresIn = 3599): Promise<MockMetadataServer> {
  const state = { calls: 0 };
  const server: Server = createServer((req, res) => {
    state.calls++;
    if (req.headers["metadata-flavor"] !== "Google") { res.writeHead(403, { "content-type": "text/html" }); res.end("Missing Metadata-Flavor:Google header."); return; }
    if (req.url !== "/computeMetadata/v1/instance/service-accounts/default/token") { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { "content-type": "application/json", "metadata-flavor": "Google" });
    res.end(JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: "Bearer" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    get calls() { return state.calls; },
    token,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

// Starts Debian's docker-registry (the CNCF distribution registry) on a free loopback port with temp
// storage, optionally with htpasswd Basic auth; and reads images back with skopeo.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";

export interface Registry { host: string; stop(): Promise<void>; log(): string }

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function startRegistry(auth?: { username: string; password: string }): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-registry-"));
  const port = await freePort();
  const htpasswd = join(dir, "htpasswd");
  if (auth) writeFileSync(htpasswd, `${auth.username}:${bcrypt.hashSync(auth.password, 8)}\n`);
  writeFileSync(join(dir, "config.yml"), [
    "version: 0.1",
    "log: {level: info}",
    `storage: {filesystem: {rootdirectory: ${join(dir, "data")}}}`,
    `http: {addr: "127.0.0.1:${port}", secret: test-secret}`,
    ...(auth ? ["auth:", "  htpasswd:", "    realm: llm-mesh-test", `    path: ${htpasswd}`] : []),
  ].join("\n"));
  let log = "";
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => { log += d; });
  child.stderr!.on("data", (d) => { log += d; });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    log: () => log,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** skopeo's view of an image: its raw manifest, and a local OCI layout copy to read blobs from. */
export function skopeoFetch(ref: string, creds?: { username: string; password: string }): { manifest: any; dir: string } {
  const credArgs = creds ? ["--src-creds", `${creds.username}:${creds.password}`] : [];
  const inspectCreds = creds ? ["--creds", `${creds.username}:${creds.password}`] : [];
  const manifest = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", ...inspectCreds, `docker://${ref}`], { encoding: "utf8" }));
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-skopeo-"));
  execFileSync("skopeo", ["copy", "--src-tls-verify=false", ...credArgs, `docker://${ref}`, `oci:${dir}:pulled`], { stdio: "pipe" });
  return { manifest, dir };
}

/**
 * A token-auth front for a registry, as Docker Hub and GHCR answer: /v2/ calls without a valid
 * Bearer token get 401 with a Bearer challenge; /token trades Basic credentials for a token; valid
 * calls are forwarded to the real registry behind it.
 */
export async function startTokenFront(upstream: string, creds: { username: string; password: string }): Promise<{ host: string; tokensIssued: () => number; stop(): Promise<void> }> {
  const { createServer: createHttpServer } = await import("node:http");
  const token = "token-for-tests";
  let issued = 0;
  let host = "";
  const server = createHttpServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (url.pathname === "/token") {
      const expected = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected || !url.searchParams.get("scope")?.includes("push")) { res.writeHead(401).end(); return; }
      issued++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      const repo = /^\/v2\/(.+?)\/(blobs|manifests)\//.exec(url.pathname)?.[1] ?? "";
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${host}/token",service="test-registry",scope="repository:${repo}:pull,push"` }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !["host", "authorization", "connection"].includes(k)) headers[k] = v;
    const upstreamResponse = await fetch(`http://${upstream}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: "manual" });
    const out: Record<string, string> = {};
    upstreamResponse.headers.forEach((v, k) => { out[k] = k === "location" ? v.replace(upstream, host) : v; });
    delete out["content-encoding"];
    delete out["transfer-encoding"];
    const body = Buffer.from(await upstreamResponse.arrayBuffer());
    out["content-length"] = String(body.length);
    res.writeHead(upstreamResponse.status, out).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return { host, tokensIssued: () => issued, stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

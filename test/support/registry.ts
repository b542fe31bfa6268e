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

export function hasTool(name: string): boolean {
  try { execFileSync("which", [name], { stdio: "ignore" }); return true; } catch { return false; }
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

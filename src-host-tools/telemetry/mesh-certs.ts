// Certificates as Istio's mTLS gives them: a CA, a server certificate for the proxy, and client
// certificates whose URI SAN is a workload's SPIFFE id. For tests and the dashboard picture, so the
// filter reads callers' identities from real TLS handshakes in Envoy. Made with the openssl CLI.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair { cert: string; key: string }
export interface MeshCerts { dir: string; ca: string; server: KeyPair; clients: Record<string, KeyPair>; remove(): void }

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function leaf(dir: string, name: string, subjectAltName: string): KeyPair {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/O=llm-mesh test/CN=${name}`]);
  openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", ext]);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** A CA, a server certificate for 127.0.0.1/localhost, and one client certificate per SPIFFE id. */
export function makeMeshCerts(spiffeIds: string[]): MeshCerts {
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-certs-"));
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/O=llm-mesh test/CN=mesh CA"]);
  const server = leaf(dir, "server", "DNS:localhost,IP:127.0.0.1");
  const clients = Object.fromEntries(spiffeIds.map((id, i) => [id, leaf(dir, `client${i}`, `URI:${id}`)]));
  return { dir, ca: join(dir, "ca.crt"), server, clients, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

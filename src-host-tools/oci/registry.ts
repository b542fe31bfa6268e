// A small OCI distribution client on fetch: push blobs (HEAD to skip, monolithic or chunked upload)
// and a manifest, with the Bearer token flow or Basic auth. No maintained npm library does a
// general push, so this is kept to the spec's few calls.
import { readFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { Blob, Image } from "./image.js";

export interface Reference { registry: string; repository: string; tag: string }

/** Parses host[:port]/repo[:tag]; a leading oci:// is accepted. */
export function parseReference(text: string): Reference {
  const ref = text.replace(/^oci:\/\//, "");
  const slash = ref.indexOf("/");
  if (slash <= 0) throw new UserError(`image reference ${text} needs a registry host: REGISTRY/REPOSITORY[:TAG], e.g. ghcr.io/acme/llm-mesh:0.1.0`);
  const registry = ref.slice(0, slash);
  let rest = ref.slice(slash + 1);
  if (rest.includes("@")) throw new UserError(`push by tag, not digest (${text}); the digest is computed and printed`);
  let tag = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon > 0) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(rest)) throw new UserError(`repository "${rest}" is not a valid OCI repository name (lower-case, digits, . _ - and /)`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new UserError(`tag "${tag}" is not a valid OCI tag`);
  return { registry, repository: rest, tag };
}

export interface Credentials { username: string; password: string }

/** Credentials from flags, then LLM_MESH_REGISTRY_USERNAME/PASSWORD, then the Docker config file. */
export function findCredentials(registry: string, flags: Partial<Credentials>, env = process.env): Credentials | undefined {
  if (flags.username || flags.password) {
    if (!flags.username || !flags.password) throw new UserError("give both --username and --password (or neither)");
    return { username: flags.username, password: flags.password };
  }
  if (env.LLM_MESH_REGISTRY_USERNAME && env.LLM_MESH_REGISTRY_PASSWORD) return { username: env.LLM_MESH_REGISTRY_USERNAME, password: env.LLM_MESH_REGISTRY_PASSWORD };
  const file = join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");
  if (!existsSync(file)) return undefined;
  let auths: Record<string, { auth?: string; username?: string; password?: string }> = {};
  try {
    auths = JSON.parse(readFileSync(file, "utf8")).auths ?? {};
  } catch {
    throw new UserError(`${file} is not valid JSON; fix it or pass --username/--password`);
  }
  const entry = auths[registry] ?? auths[`https://${registry}`] ?? auths[`http://${registry}`] ?? (registry === "docker.io" ? auths["https://index.docker.io/v1/"] : undefined);
  if (!entry) return undefined;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

export interface PushOptions {
  plainHttp?: boolean;
  credentials?: Credentials;
  /** Blobs larger than this go up in chunks of this size (default 16 MiB). */
  chunkSize?: number;
  log?: (line: string) => void;
}

export interface PushResult { digest: string; url: string; uploaded: string[]; skipped: string[] }

/** Parses `Bearer realm="…",service="…",scope="…"`. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(" ");
  const scheme = header.slice(0, space < 0 ? undefined : space).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[m[1]] = m[2];
  return { scheme, params };
}

class RegistryClient {
  private authorization: string | undefined;
  private readonly base: string;
  constructor(private readonly ref: Reference, private readonly options: PushOptions) {
    this.base = `${options.plainHttp ? "http" : "https"}://${ref.registry}`;
  }

  private basic(): string | undefined {
    const c = this.options.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}` : undefined;
  }

  /** One request; on 401 it answers the challenge once and retries. */
  async request(method: string, url: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
    const target = url.startsWith("http") ? url : `${this.base}${url}`;
    const send = () => fetch(target, {
      method, body: init.body as Uint8Array<ArrayBuffer> | undefined, redirect: "follow",
      headers: { ...(init.headers ?? {}), ...(this.authorization ? { authorization: this.authorization } : {}) },
    });
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UserError(`cannot reach registry ${this.ref.registry} (${cause?.code ?? cause?.message ?? (error as Error).message})${this.options.plainHttp ? "" : "; for a registry without TLS add --plain-http"}`);
    }
    if (response.status !== 401) return response;
    const challenge = response.headers.get("www-authenticate");
    await response.arrayBuffer();
    if (!challenge) throw new UserError(`registry ${this.ref.registry} refused the request (401) without saying how to authenticate`);
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === "basic") {
      if (!this.options.credentials) throw new UserError(`registry ${this.ref.registry} needs credentials: pass --username/--password, set LLM_MESH_REGISTRY_USERNAME/PASSWORD, or docker login`);
      this.authorization = this.basic();
    } else if (scheme === "bearer") {
      const tokenUrl = new URL(params.realm);
      if (params.service) tokenUrl.searchParams.set("service", params.service);
      tokenUrl.searchParams.set("scope", params.scope ?? `repository:${this.ref.repository}:pull,push`);
      const basic = this.basic();
      const tokenResponse = await fetch(tokenUrl, { headers: basic ? { authorization: basic } : {} });
      if (!tokenResponse.ok) throw new UserError(`registry token service refused ${basic ? "the credentials" : "anonymous access"} (${tokenResponse.status}); check --username/--password`);
      const token = (await tokenResponse.json()) as { token?: string; access_token?: string };
      this.authorization = `Bearer ${token.token ?? token.access_token}`;
    } else {
      throw new UserError(`registry ${this.ref.registry} asks for unsupported auth scheme ${scheme}`);
    }
    response = await send();
    if (response.status === 401) throw new UserError(`registry ${this.ref.registry} refused the credentials (401); check --username/--password`);
    return response;
  }

  async check(response: Response, what: string): Promise<Response> {
    if (response.ok) return response;
    const text = await response.text();
    if (response.status === 403) throw new UserError(`registry ${this.ref.registry} denied ${what} (403): the account cannot push to ${this.ref.repository}`);
    throw new UserError(`registry ${this.ref.registry} failed ${what}: ${response.status} ${text.slice(0, 300)}`);
  }

  async blobExists(digest: string): Promise<boolean> {
    const r = await this.request("HEAD", `/v2/${this.ref.repository}/blobs/${digest}`);
    return r.status === 200;
  }

  private location(r: Response): string {
    const loc = r.headers.get("location");
    if (!loc) throw new UserError(`registry ${this.ref.registry} gave no upload location`);
    return new URL(loc, this.base).toString();
  }

  async uploadBlob(b: Blob): Promise<void> {
    const chunkSize = this.options.chunkSize ?? 16 * 1024 * 1024;
    const start = await this.check(await this.request("POST", `/v2/${this.ref.repository}/blobs/uploads/`, { headers: { "content-length": "0" } }), "starting an upload");
    let location = this.location(start);
    await start.arrayBuffer();
    const withDigest = (url: string) => { const u = new URL(url); u.searchParams.set("digest", b.digest); return u.toString(); };
    if (b.size <= chunkSize) {
      const r = await this.check(await this.request("PUT", withDigest(location), { headers: { "content-type": "application/octet-stream", "content-length": String(b.size) }, body: b.data }), `uploading ${b.digest}`);
      await r.arrayBuffer();
      return;
    }
    for (let offset = 0; offset < b.size; offset += chunkSize) {
      const chunk = b.data.subarray(offset, Math.min(b.size, offset + chunkSize));
      const r = await this.check(await this.request("PATCH", location, {
        headers: { "content-type": "application/octet-stream", "content-length": String(chunk.length), "content-range": `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      }), `uploading a chunk of ${b.digest}`);
      location = this.location(r);
      await r.arrayBuffer();
    }
    const done = await this.check(await this.request("PUT", withDigest(location), { headers: { "content-length": "0" } }), `finishing ${b.digest}`);
    await done.arrayBuffer();
  }

  async putManifest(image: Image): Promise<string | null> {
    const r = await this.check(await this.request("PUT", `/v2/${this.ref.repository}/manifests/${this.ref.tag}`, {
      headers: { "content-type": image.manifestMediaType }, body: image.manifest,
    }), "storing the manifest");
    await r.arrayBuffer();
    return r.headers.get("docker-content-digest");
  }
}

/** Pushes an image: blobs the registry lacks, then the manifest under the tag. */
export async function pushImage(image: Image, ref: Reference, options: PushOptions = {}): Promise<PushResult> {
  const log = options.log ?? (() => {});
  const client = new RegistryClient(ref, options);
  const uploaded: string[] = [];
  const skipped: string[] = [];
  for (const b of image.blobs) {
    if (await client.blobExists(b.digest)) {
      skipped.push(b.digest);
      log(`  ${b.digest.slice(0, 19)}… ${b.mediaType} (${b.size} B): already in the registry, skipped`);
      continue;
    }
    log(`  ${b.digest.slice(0, 19)}… ${b.mediaType} (${b.size} B): uploading…`);
    await client.uploadBlob(b);
    uploaded.push(b.digest);
  }
  const reported = await client.putManifest(image);
  if (reported && reported !== image.digest) throw new Error(`registry reports manifest digest ${reported}, expected ${image.digest}`);
  return { digest: image.digest, url: `oci://${ref.registry}/${ref.repository}@${image.digest}`, uploaded, skipped };
}

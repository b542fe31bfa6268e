// Push to a real registry (Debian docker-registry), read back with skopeo, and check the digest
// Istio compares (the image manifest digest) is the one the WasmPlugin carries.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { push } from "../../src-host-tools/commands/push.js";
import { placementFrom } from "../../src-host-tools/commands/manifests.js";
import { renderManifests } from "../../src-host-tools/manifests/render.js";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { MEDIA } from "../../src-host-tools/oci/image.js";
import { UserError } from "../../src-host-tools/errors.js";
import { parse } from "yaml";
import { Registry, skopeoFetch, startRegistry, startTokenFront } from "../support/registry.js";
import { WASM_PATH } from "../support/filter.js";
import { goTool } from "../../src-host-tools/go-tools.js";

const quiet = () => {};
const wasm = () => readFileSync(WASM_PATH);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function untar(data: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => { files.set(header.name, Buffer.concat(chunks)); next(); });
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  ex.end(data);
  await done;
  return files;
}

function blobOf(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, "blobs", "sha256", digest.slice("sha256:".length)));
}

describe("llm-mesh push to a real registry", () => {
  let open: Registry;
  let secured: Registry;
  const creds = { username: "ci", password: "registry-pass-1" };
  beforeAll(async () => {
    open = await startRegistry();
    secured = await startRegistry(creds);
  });
  afterAll(async () => { await open?.stop(); await secured?.stop(); });

  it("pushes the compat image that Istio's agent reads: last layer a tar.gz holding plugin.wasm", async () => {
    const result = await push({ cwd: PROJECT_ROOT, reference: `${open.host}/mesh/llm-mesh:0.1.0`, plainHttp: true, log: quiet });
    const { manifest, dir } = skopeoFetch(`${open.host}/mesh/llm-mesh:0.1.0`);
    try {
      expect(manifest.mediaType).toBe(MEDIA.ociManifest);
      expect(manifest.config.mediaType).toBe(MEDIA.ociConfig);
      const last = manifest.layers.at(-1);
      expect(last.mediaType).toBe(MEDIA.ociLayerGzip);
      const files = await untar(gunzipSync(blobOf(dir, last.digest)));
      expect([...files.keys()]).toEqual(["plugin.wasm"]);
      expect(sha(files.get("plugin.wasm")!)).toBe(sha(wasm()));
      // The digest Istio compares with WasmPlugin.sha256 is the manifest's.
      const rawManifest = execSkopeoRaw(`${open.host}/mesh/llm-mesh:0.1.0`);
      expect(`sha256:${sha(rawManifest)}`).toBe(result.digest);
      expect(result.url).toBe(`oci://${open.host}/mesh/llm-mesh@${result.digest}`);
      const render = (requestMode: "body" | "headers") => parse(renderManifests({
        config: { providers: [{ name: "oa", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] }], routes: [{ name: "r", match: { host: "api.openai.com" }, backends: [{ provider: "oa" }] }] },
        image: `oci://${open.host}/mesh/llm-mesh`, digest: result.digest, placement: placementFrom({ mode: "gateway" }), requestMode,
      }).split("---\n").at(-1)!);
      const plugin = render("headers");
      expect(plugin.kind).toBe("WasmPlugin");
      expect(plugin.spec.sha256).toBe(result.digest.slice(7));
      expect(plugin.spec.url).toBe(result.url);
      const filter = render("body");
      expect(filter.kind).toBe("EnvoyFilter");
      const code = filter.spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote;
      expect(code.sha256).toBe(result.digest.slice(7));
      expect(code.http_uri.uri).toBe(result.url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(["compat", "artifact"] as const)("%s layout: passes a strict validator (crane validate: config, layers, diff_ids)", async (layout) => {
    const reference = `${open.host}/mesh/strict-${layout}:1`;
    await push({ cwd: PROJECT_ROOT, reference, plainHttp: true, layout, log: quiet });
    const out = spawnSync(goTool("crane"), ["validate", "--insecure", "--remote", reference], { encoding: "utf8" });
    expect(out.status, out.stderr + out.stdout).toBe(0);
    expect(out.stdout).toContain(`PASS: ${reference}`);
    const config = JSON.parse(execFileSync(goTool("crane"), ["config", "--insecure", reference], { encoding: "utf8" }));
    expect(config).toMatchObject({ architecture: "wasm", os: "wasip1", rootfs: { type: "layers" } });
    const manifest = JSON.parse(execFileSync(goTool("crane"), ["manifest", "--insecure", reference], { encoding: "utf8" }));
    expect(config.rootfs.diff_ids).toHaveLength(manifest.layers.length);
  }, 300_000);

  it("uploads no blob the second time the same module is pushed", async () => {
    const first = await push({ cwd: PROJECT_ROOT, reference: `${open.host}/mesh/again:1`, plainHttp: true, log: quiet });
    const second = await push({ cwd: PROJECT_ROOT, reference: `${open.host}/mesh/again:2`, plainHttp: true, log: quiet });
    expect(first.uploaded.length).toBe(2);
    expect(second.uploaded).toEqual([]);
    expect(second.skipped.length).toBe(2);
    expect(second.digest).toBe(first.digest);
  });

  it("pushes the solo-io artifact layout on request: two layers, the raw module as wasm content", async () => {
    await push({ cwd: PROJECT_ROOT, reference: `${open.host}/mesh/artifact:1`, plainHttp: true, layout: "artifact", log: quiet });
    const { manifest, dir } = skopeoFetch(`${open.host}/mesh/artifact:1`);
    try {
      expect(manifest.layers).toHaveLength(2);
      const wasmLayer = manifest.layers.find((l: { mediaType: string }) => l.mediaType === MEDIA.wasmLayer);
      expect(sha(blobOf(dir, wasmLayer.digest))).toBe(sha(wasm()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uploads large blobs in chunks", async () => {
    const result = await push({ cwd: PROJECT_ROOT, reference: `${open.host}/mesh/chunked:1`, plainHttp: true, layout: "artifact", chunkSize: 8192, log: quiet });
    const { manifest, dir } = skopeoFetch(`${open.host}/mesh/chunked:1`);
    try {
      const wasmLayer = manifest.layers.find((l: { mediaType: string }) => l.mediaType === MEDIA.wasmLayer);
      expect(sha(blobOf(dir, wasmLayer.digest))).toBe(sha(wasm()));
      // config, the runtime-config layer and the module (the config also carries rootfs, so it differs from the layer)
      expect(result.uploaded.length).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("authenticates with Basic auth from flags, and refuses clearly without credentials", async () => {
    await expect(push({ cwd: PROJECT_ROOT, reference: `${secured.host}/mesh/llm-mesh:1`, plainHttp: true, log: quiet }))
      .rejects.toThrow(/needs credentials: pass --username\/--password/);
    await expect(push({ cwd: PROJECT_ROOT, reference: `${secured.host}/mesh/llm-mesh:1`, plainHttp: true, username: "ci", password: "wrong", log: quiet }))
      .rejects.toThrow(UserError);
    const result = await push({ cwd: PROJECT_ROOT, reference: `${secured.host}/mesh/llm-mesh:1`, plainHttp: true, ...creds, log: quiet });
    const { manifest, dir } = skopeoFetch(`${secured.host}/mesh/llm-mesh:1`, creds);
    rmSync(dir, { recursive: true, force: true });
    expect(manifest.layers.at(-1).mediaType).toBe(MEDIA.ociLayerGzip);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("follows the Bearer token flow (WWW-Authenticate challenge, token service, retry)", async () => {
    const front = await startTokenFront(open.host, creds);
    try {
      await expect(push({ cwd: PROJECT_ROOT, reference: `${front.host}/mesh/bearer:1`, plainHttp: true, username: "ci", password: "wrong", log: quiet }))
        .rejects.toThrow(/token service refused the credentials/);
      const result = await push({ cwd: PROJECT_ROOT, reference: `${front.host}/mesh/bearer:1`, plainHttp: true, ...creds, log: quiet });
      expect(front.tokensIssued()).toBeGreaterThan(0);
      // The image landed in the registry behind the token front.
      const { manifest, dir } = skopeoFetch(`${open.host}/mesh/bearer:1`);
      rmSync(dir, { recursive: true, force: true });
      expect(`sha256:${sha(execSkopeoRaw(`${open.host}/mesh/bearer:1`))}`).toBe(result.digest);
      expect(manifest.layers.at(-1).mediaType).toBe(MEDIA.ociLayerGzip);
    } finally {
      await front.stop();
    }
  });

  it("reads credentials from a Docker config file", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(join((await import("node:os")).tmpdir(), "docker-config-"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") } } }));
    const previous = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dir;
    try {
      const result = await push({ cwd: PROJECT_ROOT, reference: `${secured.host}/mesh/from-config:1`, plainHttp: true, log: quiet });
      expect(result.digest).toMatch(/^sha256:/);
    } finally {
      if (previous === undefined) delete process.env.DOCKER_CONFIG; else process.env.DOCKER_CONFIG = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function execSkopeoRaw(ref: string): Buffer {
  return execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
}

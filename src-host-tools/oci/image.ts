// The image layouts Istio's agent can pull for a WasmPlugin (istio/istio pkg/wasm/imagefetcher.go tries them in this order):
// "compat" (default): an OCI image whose last layer is a gzipped tar holding plugin.wasm;
// "artifact": the solo-io Wasm artifact, two layers, the raw module as
// application/vnd.module.wasm.content.layer.v1+wasm. (The CNCF single-layer application/wasm
// artifact is not accepted by Istio, so it is not offered.) Everything is built deterministically:
// the same module always gives the same digests, so a second push uploads nothing.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  wasmConfig: "application/vnd.module.wasm.config.v1+json",
  wasmLayer: "application/vnd.module.wasm.content.layer.v1+wasm",
} as const;

export type Layout = "compat" | "artifact";

export interface Blob { mediaType: string; digest: string; size: number; data: Buffer }
export interface Image { manifest: Buffer; manifestMediaType: string; digest: string; blobs: Blob[] }

export function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function blob(mediaType: string, data: Buffer): Blob {
  return { mediaType, digest: sha256(data), size: data.length, data };
}

/** A one-entry tar with fixed metadata, so its bytes depend on the module alone. */
export async function tarOf(name: string, content: Buffer): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name, size: content.length, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: "", gname: "", type: "file" }, content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Builds the image for a module in the chosen layout. */
export async function buildImage(wasm: Buffer, layout: Layout = "compat"): Promise<Image> {
  if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d) throw new Error("not a WebAssembly module (bad magic)");
  let config: Blob;
  let layers: Blob[];
  let annotations: Record<string, string>;
  if (layout === "compat") {
    const tar = await tarOf("plugin.wasm", wasm);
    // Node's gzip writes mtime 0 and a fixed OS byte: deterministic for a given zlib.
    const layer = blob(MEDIA.ociLayerGzip, gzipSync(tar, { level: 9 }));
    config = blob(MEDIA.ociConfig, Buffer.from(JSON.stringify({
      architecture: "wasm", os: "wasip1", config: {}, rootfs: { type: "layers", diff_ids: [sha256(tar)] },
    })));
    layers = [layer];
    annotations = { "module.wasm.image/variant": "compat" };
  } else {
    // The solo-io fields Istio reads, plus the OCI image-config fields (architecture, os, rootfs)
    // that strict validators require of every config: the layers are uncompressed, so each
    // diff_id is the layer's own digest.
    const wasmConfig = { type: "envoy_proxy", abiVersions: ["v0-4689a30309abf31aee9ae36e73d34b1bb182685f", "v0.2.1"], config: { rootIds: ["llm-mesh"] } };
    const wasmLayer = blob(MEDIA.wasmLayer, wasm);
    const firstLayer = Buffer.from(JSON.stringify(wasmConfig));
    config = blob(MEDIA.wasmConfig, Buffer.from(JSON.stringify({
      ...wasmConfig, architecture: "wasm", os: "wasip1", rootfs: { type: "layers", diff_ids: [sha256(firstLayer), wasmLayer.digest] },
    })));
    // Istio wants exactly two layers here; wasme pushes the config as a layer too.
    layers = [blob(MEDIA.wasmConfig, firstLayer), wasmLayer];
    annotations = {};
  }
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  }));
  const unique = new Map([config, ...layers].map((b) => [b.digest, b]));
  return { manifest, manifestMediaType: MEDIA.ociManifest, digest: sha256(manifest), blobs: [...unique.values()] };
}

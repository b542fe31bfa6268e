// `npm run istio:schemas [-- VERSION]`: refreshes the vendored Istio CRD schemas in schema/istio/
// from the Go module istio.io/api (its kubernetes/customresourcedefinitions.gen.yaml), fetched with
// `go mod download` through the Go module proxy. Only the kinds llm-mesh emits are kept. The
// manifests' validator (crd-validate.ts) reads these files; nothing outside the repository is read.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { ISTIO_SCHEMA_DIR } from "./crd-validate.js";

/** The istio.io/api release the vendored schemas come from; change it here and re-run. */
export const ISTIO_API_VERSION = "v1.32.0";
const KINDS = ["WasmPlugin", "ServiceEntry", "DestinationRule", "VirtualService", "Gateway", "Sidecar", "EnvoyFilter"];

interface CrdVersion { name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema?: unknown } }
interface Crd { kind: string; metadata: { name: string }; spec: { group: string; names: { kind: string }; versions: CrdVersion[] } }

function downloadModule(version: string): string {
  // A private module cache under .tools/ keeps the user's GOPATH untouched.
  const env = { ...process.env, GOPATH: join(PROJECT_ROOT, ".tools", "gopath"), GOFLAGS: "-modcacherw" };
  const out = execFileSync("go", ["mod", "download", "-json", `istio.io/api@${version}`], { env, encoding: "utf8", cwd: PROJECT_ROOT });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function main(): void {
  const version = process.argv[2] ?? ISTIO_API_VERSION;
  const dir = downloadModule(version);
  const text = readFileSync(join(dir, "kubernetes", "customresourcedefinitions.gen.yaml"), "utf8");
  mkdirSync(ISTIO_SCHEMA_DIR, { recursive: true });
  const written: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS() as Crd | null;
    if (!crd || crd.kind !== "CustomResourceDefinition" || !KINDS.includes(crd.spec.names.kind)) continue;
    const storage = crd.spec.versions.find((v) => v.storage);
    if (!storage?.schema?.openAPIV3Schema) throw new Error(`${crd.metadata.name}: no storage version schema`);
    const kind = crd.spec.names.kind;
    const file = `${kind.toLowerCase()}-crd-schema.json`;
    writeFileSync(join(ISTIO_SCHEMA_DIR, file), JSON.stringify({
      crd: crd.metadata.name, group: crd.spec.group, kind, storageVersion: storage.name,
      servedVersions: crd.spec.versions.filter((v) => v.served).map((v) => v.name),
      openAPIV3Schema: storage.schema.openAPIV3Schema,
    }, null, 1) + "\n");
    written.push(file);
  }
  const missing = KINDS.filter((k) => !written.includes(`${k.toLowerCase()}-crd-schema.json`));
  if (missing.length > 0) throw new Error(`istio.io/api@${version} has no CRD for ${missing.join(", ")}`);
  copyFileSync(join(dir, "LICENSE"), join(ISTIO_SCHEMA_DIR, "LICENSE"));
  writeFileSync(join(ISTIO_SCHEMA_DIR, "VERSION"), `istio.io/api ${version}\n`);
  console.log(`wrote ${written.length} schemas from istio.io/api ${version} to ${ISTIO_SCHEMA_DIR}; run npm test to check the manifests against them`);
}

main();

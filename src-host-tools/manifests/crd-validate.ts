// Validates emitted objects against Istio's CRD schemas, vendored in schema/istio/ (their Istio
// version is in schema/istio/VERSION; `npm run istio:schemas` refreshes them): the OpenAPI part with
// Ajv, unknown fields refused as kubectl's strict validation does, and the CEL rules
// (x-kubernetes-validations) that can fire on what llm-mesh emits, re-implemented here.
import { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../envoy/locate.js";
import type { K8sObject } from "./options.js";

/** The vendored schemas, part of the repository. */
export const ISTIO_SCHEMA_DIR = resolve(PROJECT_ROOT, "schema", "istio");

/** Where the CRD schemas are read from: $LLM_MESH_ISTIO_SCHEMAS (to try other versions), else the vendored ones. */
export function schemaDir(): string {
  return process.env.LLM_MESH_ISTIO_SCHEMAS ?? ISTIO_SCHEMA_DIR;
}

interface CrdFile { crd: string; group: string; kind: string; storageVersion: string; servedVersions: string[]; openAPIV3Schema: Record<string, unknown> }

/** Kubernetes prunes nothing under strict validation: refuse unknown fields unless the schema keeps them. */
function strictify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith("x-kubernetes-") || k === "description") continue;
    out[k] = strictify(v);
  }
  const s = schema as Record<string, unknown>;
  if (s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
  // int-or-string fields carry no type.
  if (s["x-kubernetes-int-or-string"]) { delete out.type; out.anyOf = [{ type: "integer" }, { type: "string" }]; }
  return out;
}

type CelRule = { message: string; check: (spec: any) => boolean };

const hasAny = (o: Record<string, unknown> | undefined, ...keys: string[]) => keys.filter((k) => o?.[k] !== undefined).length;
const labelsOk = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {}).every(([k, v]) => k.length > 0 && !k.includes("*") && !String(v).includes("*"));

/** The CEL rules of each CRD that can fire on llm-mesh's output, as predicates over spec. */
const CEL_RULES: Record<string, CelRule[]> = {
  WasmPlugin: [
    { message: "only one of targetRefs or selector can be set", check: (s) => hasAny(s, "selector", "targetRef", "targetRefs") <= 1 },
    { message: "url must have schema one of [http, https, file, oci]", check: (s) => { const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s.url ?? ""); return !m || ["http", "https", "oci", "file"].includes(m[1].toLowerCase()); } },
    { message: "value may only be set when valueFrom is INLINE", check: (s) => (s.vmConfig?.env ?? []).every((e: any) => e.valueFrom !== "HOST" || e.value === undefined) },
    { message: "cross namespace referencing is not currently supported", check: (s) => [s.targetRef, ...(s.targetRefs ?? [])].every((t: any) => !t?.namespace) },
    { message: "wildcard not allowed in label key/value match; key must not be empty", check: (s) => labelsOk(s.selector?.matchLabels) },
  ],
  ServiceEntry: [
    { message: "only one of WorkloadSelector or Endpoints can be set", check: (s) => hasAny(s, "workloadSelector", "endpoints") <= 1 },
    { message: "CIDR addresses are allowed only for NONE/STATIC resolution types", check: (s) => !(s.addresses ?? []).some((a: string) => a.includes("/")) || ["STATIC", "NONE"].includes(s.resolution ?? "NONE") },
    { message: "NONE mode cannot set endpoints", check: (s) => (s.resolution ?? "NONE") !== "NONE" || s.endpoints === undefined },
    { message: "DNS_ROUND_ROBIN mode cannot have multiple endpoints", check: (s) => s.resolution !== "DNS_ROUND_ROBIN" || (s.endpoints ?? []).length <= 1 },
    { message: "hostname cannot be wildcard", check: (s) => (s.hosts ?? []).every((h: string) => h !== "*") },
    { message: "port number cannot be duplicated", check: (s) => new Set((s.ports ?? []).map((p: any) => p.number)).size === (s.ports ?? []).length },
  ],
  DestinationRule: [
    { message: "wildcard not allowed in label key/value match; key must not be empty", check: (s) => labelsOk(s.workloadSelector?.matchLabels) },
  ],
  Gateway: [
    { message: "only one of credentialName, credentialNames or tlsCertificates can be set", check: (s) => (s.servers ?? []).every((v: any) => hasAny(v.tls, "credentialName", "credentialNames", "tlsCertificates") <= 1) },
  ],
};

interface Kind { crd: CrdFile; validate: ValidateFunction }

let kinds: Map<string, Kind> | undefined;

function loadKinds(): Map<string, Kind> {
  if (kinds) return kinds;
  const dir = schemaDir();
  if (!existsSync(dir)) throw new Error(`Istio CRD schemas not found in ${dir}; set LLM_MESH_ISTIO_SCHEMAS`);
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  kinds = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith("-crd-schema.json"))) {
    const crd = JSON.parse(readFileSync(join(dir, file), "utf8")) as CrdFile;
    kinds.set(crd.kind, { crd, validate: ajv.compile(strictify(crd.openAPIV3Schema) as object) });
  }
  return kinds;
}

/** Problems with one object: apiVersion, schema and CEL rules; empty when valid. */
export function validateIstioObject(obj: K8sObject): string[] {
  const kind = loadKinds().get(obj.kind);
  const where = `${obj.kind}/${obj.metadata?.name}`;
  if (!kind) return [`${where}: no CRD schema for kind ${obj.kind}`];
  const problems: string[] = [];
  const [group, version] = obj.apiVersion.split("/");
  if (group !== kind.crd.group || !kind.crd.servedVersions.includes(version)) {
    problems.push(`${where}: apiVersion ${obj.apiVersion} is not served (want ${kind.crd.group}/${kind.crd.servedVersions.join("|")})`);
  }
  if (!obj.metadata?.name || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(obj.metadata.name) || obj.metadata.name.length > 253) {
    problems.push(`${where}: metadata.name must be a DNS-1123 subdomain`);
  }
  const body = { spec: obj.spec };
  if (!kind.validate(body)) {
    for (const e of kind.validate.errors as ErrorObject[]) {
      const extra = e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : "";
      problems.push(`${where}: ${e.instancePath || "/"} ${e.message}${extra}`);
    }
  }
  for (const rule of CEL_RULES[obj.kind] ?? []) if (!rule.check(obj.spec ?? {})) problems.push(`${where}: ${rule.message}`);
  return problems;
}

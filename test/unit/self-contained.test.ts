// A user's clone has nothing beside it: everything the build, the tests and the tools read must be
// inside the repository. These fail if code points outside it again.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { ISTIO_SCHEMA_DIR, schemaDir, validateIstioObject } from "../../src-host-tools/manifests/crd-validate.js";

describe("the repository carries what it tests against", () => {
  it("reads the Istio CRD schemas from schema/istio, with their version and licence", () => {
    expect(process.env.LLM_MESH_ISTIO_SCHEMAS).toBeUndefined();
    expect(relative(PROJECT_ROOT, schemaDir())).toBe(join("schema", "istio"));
    expect(readFileSync(join(ISTIO_SCHEMA_DIR, "VERSION"), "utf8")).toMatch(/^istio\.io\/api v1\.\d+\.\d+\n$/);
    expect(readFileSync(join(ISTIO_SCHEMA_DIR, "LICENSE"), "utf8")).toContain("Apache License");
    for (const kind of ["wasmplugin", "serviceentry", "destinationrule", "virtualservice", "gateway", "sidecar"]) {
      expect(existsSync(join(ISTIO_SCHEMA_DIR, `${kind}-crd-schema.json`)), kind).toBe(true);
    }
    expect(validateIstioObject({ apiVersion: "networking.istio.io/v1", kind: "Sidecar", metadata: { name: "s" }, spec: { outboundTrafficPolicy: { mode: "REGISTRY_ONLY" } } })).toEqual([]);
  });

  it("no tracked code, test or config reads the reference folder beside the clone", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: PROJECT_ROOT, encoding: "utf8" }).split("\n")
      .filter((f) => f && !f.endsWith(".md") && !f.startsWith("schema/istio/") && f !== "package-lock.json");
    const offenders = files.filter((f) => existsSync(join(PROJECT_ROOT, f)) && /\.\.\/shared|["'/]shared\/(istio|reference)/.test(readFileSync(join(PROJECT_ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});

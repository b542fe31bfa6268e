// `llm-mesh import-asm FILE...`: ASM LLMProvider/LLMRoute YAML to an llm-mesh config (and, with
// --image and --digest, the Istio manifests for the inferred placement).
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { importAsm, ImportResult } from "../asm/import.js";
import { formatProblem, validateConfig } from "../config/validate.js";
import { InternalError, readUserFile, UserError } from "../errors.js";
import { egressPlacement } from "../manifests/options.js";
import { renderManifests } from "../manifests/render.js";

export interface ImportAsmOptions {
  cwd: string;
  files: string[];
  out?: string;
  manifestsOut?: string;
  image?: string;
  digest?: string;
  log?: (line: string) => void;
}

export async function importAsmCommand(options: ImportAsmOptions): Promise<ImportResult> {
  const log = options.log ?? console.log;
  const texts = await Promise.all(options.files.map(async (f) => ({ name: f, text: await readUserFile(resolve(options.cwd, f), "ASM file") })));
  const result = importAsm(texts);
  const check = validateConfig(result.config);
  if (check.errors.length > 0) throw new InternalError(`the imported config does not validate:\n${check.errors.map(formatProblem).join("\n")}`);
  for (const n of result.notes) console.error(`note: ${n}`);
  const json = JSON.stringify(result.config, null, 2) + "\n";
  if (options.out) {
    await writeFile(resolve(options.cwd, options.out), json);
    log(`wrote ${options.out} (${result.config.providers.length} providers, ${result.config.routes.length} routes; placement: ${result.placement.mode})`);
  } else if (!options.manifestsOut) {
    log(json);
  }
  if (options.manifestsOut) {
    if (!options.image || !options.digest) throw new UserError("--manifests needs --image oci://HOST/REPO and --digest sha256:… (from llm-mesh push)");
    const p = result.placement;
    const yaml = renderManifests({
      config: result.config, image: options.image, digest: options.digest,
      placement: p.mode === "egress"
        ? egressPlacement(p.selector, p.gatewayService)
        : p.mode === "gateway" ? { mode: "gateway", selector: p.selector, gateway: p.gateways[0], extraGateways: p.gateways.slice(1) } : { mode: "sidecar", selector: p.selector ?? {} },
    });
    if (p.mode === "gateway" && p.gateways.length === 0) {
      console.error("warning: the LLMRoutes name no gateways, so no VirtualService binds the provider hosts to your ingress gateway; run llm-mesh manifests --mode gateway --gateway NAMESPACE/NAME");
    } else if (p.mode === "gateway") {
      console.error(`note: the Gateway ${p.gateways.join(", ")} must list the llm-mesh hosts (or "*") on its HTTP server; llm-mesh manifests --emit-gateway writes one that does`);
    }
    await writeFile(resolve(options.cwd, options.manifestsOut), yaml);
    log(`wrote ${options.manifestsOut}; next: kubectl apply -f ${options.manifestsOut}`);
  }
  return result;
}

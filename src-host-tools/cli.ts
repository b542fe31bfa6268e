// The llm-mesh command table. Each command lives in commands/<name>.ts and takes a cwd so tests can
// aim it at a temp folder. One catch at the bottom turns errors into exit codes: 1 for the user's
// input (the message says what to do next), 2 for anything else.
import { Command, InvalidArgumentError, Option } from "commander";
import { build } from "./commands/build.js";
import { importAsmCommand } from "./commands/import-asm.js";
import { manifests } from "./commands/manifests.js";
import { push } from "./commands/push.js";
import { schema } from "./commands/schema.js";
import { validate } from "./commands/validate.js";
import { envoyCommand } from "./commands/envoy.js";
import { bench } from "./commands/bench.js";
import { consumerAdd } from "./commands/consumer.js";
import { ratelimitConfig } from "./commands/ratelimit-config.js";
import { UserError } from "./errors.js";
import { FILTER_MODULE_PATH } from "./config/filter-loader.js";
import { PROJECT_ROOT } from "./project-root.js";
import { existsSync } from "node:fs";

const cwd = process.cwd();
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
  return n;
};

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command()
  .name("llm-mesh")
  .description("Build, check, ship and run the llm-mesh Proxy-Wasm filter for Envoy and Istio.")
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

/** Commands that check a config run the filter's own loader: on a fresh clone it is built first. */
const CHECKS_CONFIG = new Set(["validate", "manifests", "envoy", "import-asm", "add"]);
program.hook("preAction", async (_program, command) => {
  if (!CHECKS_CONFIG.has(command.name()) || existsSync(FILTER_MODULE_PATH)) return;
  console.error(`llm-mesh: building the filter first (its config loader checks the config): ${FILTER_MODULE_PATH}`);
  await build({ cwd: PROJECT_ROOT, log: (line) => console.error(line) });
});

program.command("build")
  .description("compile the filter to build/llm-mesh.wasm (release: -O3, SIMD)")
  .option("--debug", "build the debug variant (names, assertions)")
  .action(async (o) => { await build({ cwd, target: o.debug ? "debug" : "release" }); });

program.command("validate")
  .description("check plugin config files (JSON or YAML): every problem, with its path and a hint")
  .argument("<files...>", "config files")
  .option("--json", "print the results as JSON")
  .addOption(new Option("--request-mode <mode>", "the request mode the config will run in, unless it names one").choices(["body", "headers"]).default("body"))
  .action(async (files: string[], o) => { await validate({ cwd, files, json: o.json, requestMode: o.requestMode }); });

program.command("schema")
  .description("write the config JSON Schema for editor completion")
  .option("-o, --out <file>", "where to write it", "schema/llm-mesh-config.schema.json")
  .action(async (o) => { await schema({ cwd, out: o.out }); });

program.command("push")
  .description("push the module as an OCI image Istio can pull; prints the digest-pinned oci:// URL")
  .argument("<reference>", "REGISTRY/REPOSITORY[:TAG], e.g. ghcr.io/acme/llm-mesh:0.1.0")
  .option("--wasm <file>", "module to push", "build/llm-mesh.wasm")
  .addOption(new Option("--layout <layout>", "image layout").choices(["compat", "artifact"]).default("compat"))
  .option("--plain-http", "talk to the registry over plain HTTP (local registries)")
  .option("-u, --username <name>", "registry user (or LLM_MESH_REGISTRY_USERNAME, or docker login)")
  .option("-p, --password <secret>", "registry password or token (or LLM_MESH_REGISTRY_PASSWORD)")
  .option("--chunk-size <bytes>", "upload blobs larger than this in chunks", int("--chunk-size"))
  .action(async (reference: string, o) => {
    await push({ cwd, reference, wasm: o.wasm, layout: o.layout, plainHttp: o.plainHttp, username: o.username, password: o.password, chunkSize: o.chunkSize });
  });

program.command("manifests")
  .description("emit the Istio objects: WasmPlugin, ServiceEntry/DestinationRule per provider, egress gateway objects")
  .requiredOption("-c, --config <file>", "plugin config (JSON or YAML)")
  .requiredOption("--image <oci-url>", "oci://REGISTRY/REPOSITORY, as pushed")
  .requiredOption("--digest <sha256:…>", "image manifest digest printed by llm-mesh push")
  .addOption(new Option("--mode <mode>", "placement").choices(["sidecar", "gateway", "egress", "waypoint"]).default("sidecar"))
  .addOption(new Option("--request-mode <mode>", "body: decide after the whole body (route by model; an EnvoyFilter pair, Istio >= 1.27); headers: decide on the headers (a WasmPlugin, any Istio); the config's own requestMode wins").choices(["body", "headers"]).default("body"))
  .option("--waypoint <name>", "waypoint mode (ambient): the namespace's waypoint Gateway", "waypoint")
  .option("--selector <key=value...>", "workload labels (sidecar: the LLM clients; gateway/egress: the gateway pods)")
  .option("--target-ref <Kind/name...>", "gateway mode: Gateway API targetRefs instead of a selector")
  .option("-n, --namespace <ns>", "namespace for the objects")
  .option("--name <name>", "WasmPlugin name and pluginName", "llm-mesh")
  .addOption(new Option("--phase <phase>", "filter phase; STATS runs after Istio authn/authz").choices(["AUTHN", "AUTHZ", "STATS", "UNSPECIFIED_PHASE"]).default("STATS"))
  .option("--priority <n>", "order within the phase", int("--priority"))
  .addOption(new Option("--fail-strategy <strategy>", "what the proxy does when the module cannot load or its VM fails: FAIL_RELOAD starts a fresh VM (needs the WasmPlugin CRD of Istio >= 1.27); FAIL_CLOSE answers 503 until the proxy restarts (any Istio); FAIL_OPEN lets requests through unrewritten, without a key")
    .choices(["FAIL_RELOAD", "FAIL_CLOSE", "FAIL_OPEN"]).default("FAIL_RELOAD"))
  .addOption(new Option("--fail-open", "same as --fail-strategy FAIL_OPEN").hideHelp())
  .option("--registry-only", "sidecar mode: also emit a Sidecar with outboundTrafficPolicy REGISTRY_ONLY for the selected workloads")
  .option("--emit-gateway", "gateway mode: also emit the Istio Gateway named by --gateway, listing every llm-mesh host")
  .option("--gateway-port <n>", "gateway mode: the gateway's listener port for llm-mesh traffic, i.e. the Service's targetPort (8080 for port 80 in Istio's charts); scopes the filter to it", int("--gateway-port"))
  .addOption(new Option("--pull-policy <policy>").choices(["IfNotPresent", "Always"]).default("IfNotPresent"))
  .option("--pull-secret <name>", "imagePullSecret for a private registry")
  .option("--key-secret <name>", "Secret holding the provider keys", "llm-mesh-provider-keys")
  .option("--egress-service <fqdn>", "egress mode: the egress gateway Service", "istio-egressgateway.istio-system.svc.cluster.local")
  .option("--gateway <ns/name>", "gateway mode: the Istio Gateway to bind provider routes to")
  .option("-o, --out <file>", "write to a file instead of stdout")
  .option("--mesh-config <file>", "write the mesh config for llm-mesh's metrics labels and access log (Helm values fragment) here, and emit the Telemetry object that turns the access log on")
  .option("--ratelimit-service <host:port>", "global quotas: the gRPC HOST:PORT of Envoy's rate limit service in the mesh (its config: llm-mesh ratelimit-config)")
  .action(async (o) => {
    await manifests({ meshConfig: o.meshConfig, rateLimitService: o.ratelimitService,
      cwd, config: o.config, image: o.image, digest: o.digest, mode: o.mode, namespace: o.namespace, name: o.name,
      selector: o.selector, targetRef: o.targetRef, phase: o.phase, priority: o.priority, failStrategy: o.failOpen ? "FAIL_OPEN" : o.failStrategy,
      registryOnly: o.registryOnly, emitGateway: o.emitGateway, gatewayPort: o.gatewayPort, requestMode: o.requestMode, waypoint: o.waypoint,
      pullPolicy: o.pullPolicy, pullSecret: o.pullSecret, keySecret: o.keySecret, egressService: o.egressService, gateway: o.gateway, out: o.out,
    });
  });

program.command("import-asm")
  .description("convert Alibaba ASM LLMProvider/LLMRoute YAML to an llm-mesh config (and manifests)")
  .argument("<files...>", "ASM YAML files")
  .option("-o, --out <file>", "write the llm-mesh config here (default: stdout)")
  .option("--manifests <file>", "also write Istio manifests for the inferred placement (needs --image and --digest)")
  .option("--image <oci-url>", "oci://REGISTRY/REPOSITORY")
  .option("--digest <sha256:…>", "image manifest digest from llm-mesh push")
  .action(async (files: string[], o) => {
    await importAsmCommand({ cwd, files, out: o.out, manifestsOut: o.manifests, image: o.image, digest: o.digest });
  });

program.command("envoy")
  .description("run a local Envoy with the filter and a plugin config (as npm start does)")
  .option("-c, --config <file>", "plugin config (default: envoy/plugin-config.json)")
  .option("--port <n>", "listen on 127.0.0.1:PORT (0: any free port)", int("--port"), 10000)
  .option("--mock", "serve every provider from local mocks instead of the real hosts")
  .option("--once", "send one sample request per route, print the answers and exit")
  .action(async (o) => { await envoyCommand({ cwd, config: o.config, port: o.port, mock: o.mock, once: o.once, portFlag: "--port N" }); });

const consumer = program.command("consumer").description("consumers: who may call, by gateway key, mesh identity or JWT claim");
consumer.command("add")
  .description("issue a gateway key to a consumer (created if new): the key is printed once, only its salted hash goes into the config")
  .argument("<name>", "consumer name")
  .requiredOption("-c, --config <file>", "plugin config to update (JSON or YAML)")
  .option("--routes <names...>", "a new consumer may use only these routes")
  .option("--models <patterns...>", "a new consumer may use only these models (exact, prefix* or *)")
  .action(async (name: string, o) => { await consumerAdd({ cwd, config: o.config, name, routes: o.routes, models: o.models }); });

program.command("ratelimit-config")
  .description("write the config of Envoy's rate limit service for the consumers' global quotas (mount it at RUNTIME_ROOT/…/config/)")
  .requiredOption("-c, --config <file>", "plugin config (JSON or YAML)")
  .option("-o, --out <file>", "write it here instead of standard output")
  .action(async (o) => { await ratelimitConfig({ cwd, config: o.config, out: o.out }); });

program.command("bench")
  .description("benchmark llm-mesh against bare Envoy (needs h2load from nghttp2-client)")
  .option("--smoke", "a short run for CI: 1 KB only, one round, a 5,000-request soak (about 10 s of load), one start per idle-footprint cell")
  .option("--soak [requests]", "also run N requests at concurrency 64 and watch VM memory (default 1000000)")
  .option("--duration <seconds>", "seconds per measured run", int("--duration"))
  .option("--rounds <n>", "bare/filter pairs per case", int("--rounds"))
  .option("--peer <NAME=FILE.wasm>", "also measure a Proxy-Wasm module you built (e.g. Higress's ai-proxy); add ,config=FILE.json for its JSON plugin config, ,root-id=ID for its root id, ,stop-iteration for a module that holds request headers until the body (allow_on_headers_stop_iteration); repeatable", collect, [])
  .option("--ext-proc <NAME=HOST:PORT>", "also measure an external processor already listening there (e.g. Envoy AI Gateway's extproc), through Envoy's ext_proc filter, its CPU added to Envoy's; repeatable", collect, [])
  .option("--only <part>", "run only this part: footprint (Envoy at rest, bare, with the empty module and with llm-mesh, at 2 and 8 workers: RSS and time to ready; about 30 s), or mcp (CPU and latency per tools/list and tools/call, bare Envoy and llm-mesh, and the module's time per MCP request)")
  .action(async (o) => {
    const soak = o.soak === true ? 1_000_000 : o.soak === undefined ? undefined : Number(o.soak);
    if (soak !== undefined && !Number.isInteger(soak)) throw new UserError("--soak takes a whole number of requests");
    await bench({ smoke: o.smoke, soak, duration: o.duration, rounds: o.rounds, peer: o.peer, extProc: o.extProc, only: o.only, cwd });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") process.exit(0);
  if (code?.startsWith("commander.")) process.exit(1); // commander already printed what was wrong
  if (error instanceof UserError) {
    console.error(`llm-mesh: ${error.message}`);
    process.exit(1);
  }
  console.error(`llm-mesh: internal error: ${(error as Error).stack ?? error}\nplease report this with the command you ran`);
  process.exit(2);
}

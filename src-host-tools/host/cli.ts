// `npm run emulate`: run one request through the compiled filter in the host emulator and show what
// would go upstream (or the local reply). For trying a plugin config without Envoy.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator } from "./emulator.js";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";

const usage = `usage: npm run emulate -- --config FILE [--env NAME=VALUE]... [--host HOST] [--path PATH]
                        [--header NAME:VALUE]... [--body JSON | --body-file FILE] [--wasm FILE]
                        [--cluster NAME]   (the cluster Envoy routes the request to; default as npm start's Envoy)
Loads the plugin config, sends one POST through the filter and prints the upstream request.`;

const { values: args } = parseArgs({
  options: {
    config: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
    host: { type: "string", default: "llm.local" },
    path: { type: "string", default: "/v1/chat/completions" },
    header: { type: "string", multiple: true, default: [] },
    body: { type: "string" },
    "body-file": { type: "string" },
    wasm: { type: "string", default: join(PROJECT_ROOT, "build", "llm-mesh.wasm") },
    cluster: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (args.help || !args.config) {
  console.log(usage);
  process.exit(args.help ? 0 : 1);
}

const env = Object.fromEntries(args.env!.map((e) => { const i = e.indexOf("="); return [e.slice(0, i), e.slice(i + 1)]; }));
const configText = readFileSync(args.config!, "utf8");
// Envoy's route choice, as the generated bootstrap makes it (--cluster overrides it): the filter
// adds a key only when the request is routed to a provider's cluster.
let vhosts: ReturnType<typeof providerVirtualHosts> = [];
try { vhosts = providerVirtualHosts(JSON.parse(configText)); } catch { /* the filter reports the config */ }
const host = await HostEmulator.load(args.wasm!, { env, routeCluster: (authority) => args.cluster ?? clusterForAuthority(vhosts, authority) });
const configured = host.configure(configText);
for (const line of host.logText("info")) console.log(line);
if (!configured) {
  console.error("llm-mesh: the filter refused this config (errors above); fix the named fields and run again");
  process.exit(1);
}
const body = args["body-file"] ? readFileSync(args["body-file"], "utf8") : (args.body ?? '{"messages":[{"role":"user","content":"hello"}]}');
const headers: [string, string][] = [[":method", "POST"], [":path", args.path!], [":authority", args.host!], [":scheme", "http"], ["content-type", "application/json"]];
for (const h of args.header!) { const i = h.indexOf(":"); headers.push([h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim()]); }
const stream = host.createStream();
stream.sendRequest(headers, body);
// Not a character of a key is printed.
const redact = (name: string, value: string) => (["authorization", "api-key", "x-api-key", "x-goog-api-key"].includes(name) ? value.replace(/^(Bearer )?.*$/, (_, b) => `${b ?? ""}[REDACTED]`) : value);
if (stream.localResponse) {
  console.log(`\nlocal reply ${stream.localResponse.status}: ${stream.localResponse.body}`);
} else if (!stream.upstreamHeaders) {
  console.log("\nthe filter held the request (no reply, nothing sent)");
} else {
  console.log("\nupstream request:");
  for (const [k, v] of stream.upstreamHeaders) console.log(`  ${k}: ${redact(k, v)}`);
  console.log(`\n  ${stream.upstreamBodyText()}`);
}

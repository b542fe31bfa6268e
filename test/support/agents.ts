// The real coding-agent CLIs (Claude Code, Codex CLI) at pinned versions, installed on first use into
// the git-ignored .tools/agents (npm ci stays small), run offline against real Envoy with llm-mesh in
// front of the mock providers (docs/translation.md, "Coding agents (Claude Code, Codex CLI)").
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bootstrapYaml, BootstrapOptions } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { startEnvoy } from "../../src-host-tools/envoy/process.js";
import { startMockProviders } from "../../src-host-tools/mock/providers.js";
import { MOCK_AWS_CREDENTIALS } from "../../src-host-tools/mock/bedrock.js";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { Stack } from "./envoy.js";
import { WASM_PATH } from "./filter.js";
import { streamShellCall, wantsShellCall } from "./scripted-responses.js";

/** The versions the tests prove; change them here and rerun test/integration/agents.test.ts. */
export const AGENT_VERSIONS = { "@anthropic-ai/claude-code": "2.1.332", "@openai/codex": "0.171.0" } as const;

const TOOLS_DIR = resolve(import.meta.dirname, "../../.tools/agents");

const installedVersion = (pkg: string): string | undefined => {
  const file = join(TOOLS_DIR, "node_modules", pkg, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version : undefined;
};

/** Paths of the pinned CLIs, installed with npm on first use; throws (with npm's words) when that fails. */
export function agentBinaries(): { claude: string; codex: string } {
  const missing = Object.entries(AGENT_VERSIONS).filter(([pkg, v]) => installedVersion(pkg) !== v);
  if (missing.length) {
    // The platform binary arrives as an optional dependency of each package; no install script is needed.
    execFileSync("npm", ["install", "--prefix", TOOLS_DIR, "--no-save", "--no-audit", "--no-fund", "--loglevel=error",
      ...Object.entries(AGENT_VERSIONS).map(([pkg, v]) => `${pkg}@${v}`)], { stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  }
  return { claude: join(TOOLS_DIR, "node_modules/.bin/claude"), codex: join(TOOLS_DIR, "node_modules/.bin/codex") };
}

/** The prompt that makes the scripted model call the agent's shell tool; any other gets a text answer. */
export const SHELL_PROMPT = "Run a shell command.";

/** The prompt for which the front keeps only a backend's own web search (the mock then searches and cites). */
export const SEARCH_PROMPT = "Search the web for the answer.";
/** A backend's own search tools: Anthropic's web_search server tool, Gemini's googleSearch. */
const searchOnly = (tools: any[]): any[] => tools.filter((t) => /^web_search_\d{8}$/.test(String(t?.type)) || t?.googleSearch !== undefined);

/** The one shell tool each agent's turn may call: the mock "model" calls every offered tool, the agents offer dozens. */
const SHELL_TOOLS = new Set(["Bash", "shell", "exec_command", "shell_command"]);
const toolName = (t: any): string => t?.name ?? t?.function?.name ?? "";
/** Only the shell tool, in Anthropic's, OpenAI's (chat and Responses), Gemini's or Bedrock's list. */
const shellOnly = (tools: any[]): any[] => tools
  .map((t) => Array.isArray(t?.functionDeclarations) ? { ...t, functionDeclarations: t.functionDeclarations.filter((f: any) => SHELL_TOOLS.has(toolName(f))) } : t)
  .filter((t) => t?.functionDeclarations?.length > 0 || SHELL_TOOLS.has(toolName(t)) || SHELL_TOOLS.has(t?.toolSpec?.name));

/** Narrows a request's tools in place; false when it has none to narrow. */
function narrowTools(json: any, asked: boolean, searching = false): boolean {
  // Bedrock keeps its tools in toolConfig, which must go when no tool is left.
  const holder = Array.isArray(json?.toolConfig?.tools) ? json.toolConfig : json;
  if (!Array.isArray(holder?.tools)) return false;
  holder.tools = searching ? searchOnly(holder.tools) : asked ? shellOnly(holder.tools) : [];
  if (holder.tools.length === 0) { delete json.tools; delete json.tool_choice; delete json.toolConfig; }
  return true;
}

/** The narrowed body signed again as the filter signed the original (same date, headers, mock credentials). */
async function resign(headers: Record<string, string | string[] | undefined>, path: string, body: string): Promise<void> {
  const auth = String(headers.authorization ?? "");
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+)/.exec(auth);
  if (!m) return;
  const signed: Record<string, string> = {};
  for (const name of m[2].split(";")) signed[name] = String(headers[name] ?? "");
  const date = String(headers["x-amz-date"]);
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials: MOCK_AWS_CREDENTIALS, region: m[1], service: "bedrock", sha256: Sha256, applyChecksum: false });
  headers.authorization = (await signer.sign({ method: "POST", protocol: "https:", hostname: signed.host, path, headers: signed, body }, { signingDate })).headers.authorization;
}

/**
 * A loopback front for the mock providers, behind Envoy (the filter sees what the agent sent): keeps
 * only the agent's shell tool in a request that asks for the shell and no tool in any other (so the
 * mock's tool call is a command the agent runs), then passes the request and the answer through;
 * plays the Responses shell call itself (scripted-responses.ts), which the mock does not.
 */
async function startShellOnlyFront(mockPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      let body = Buffer.concat(chunks);
      let json: any;
      try { json = JSON.parse(body.toString("utf8")); } catch { json = undefined; }
      // The scripted model calls the shell only when the conversation asks it to.
      const asked = body.includes(SHELL_PROMPT);
      if (asked && wantsShellCall(req.url ?? "", json)) { streamShellCall(res, String(json.model)); return; }
      const headers = { ...req.headers };
      if (narrowTools(json, asked, body.includes(SEARCH_PROMPT))) {
        body = Buffer.from(JSON.stringify(json));
        await resign(headers, new URL(req.url ?? "/", "http://front").pathname, body.toString("utf8"));
      }
      const up = request({ host: "127.0.0.1", port: mockPort, method: req.method, path: req.url, headers: { ...headers, "content-length": String(body.length) } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on("error", () => { res.writeHead(502); res.end(); });
      up.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return server;
}

/** Real Envoy with the built filter, upstream the mock providers behind the shell-only front. */
export async function startAgentStack(pluginConfig: BootstrapOptions["pluginConfig"], acceptedKeys: Record<string, string[]>, env?: BootstrapOptions["env"]): Promise<Stack> {
  const mock = await startMockProviders(pluginConfig.providers.map((p) => ({ ...p, acceptedKeys: acceptedKeys[p.name] })));
  const front = await startShellOnlyFront(mock.port);
  const closeFront = () => new Promise<void>((ok) => { front.closeAllConnections(); front.close(() => ok()); });
  try {
    const port = (front.address() as AddressInfo).port;
    const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig, env, mockUpstream: { address: "127.0.0.1", port } }) });
    return { envoy, mock, stop: async () => { await envoy.stop(); await closeFront(); await mock.close(); } };
  } catch (error) {
    await closeFront(); await mock.close();
    throw error;
  }
}

export interface AgentRun { code: number | null; stdout: string; stderr: string }

/** Runs a CLI in a fresh temp dir (removed after) as its HOME, no stdin; never throws on a non-zero exit (the test asserts). */
function run(binary: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<AgentRun> {
  const cwd = mkdtempSync(join(tmpdir(), "llm-mesh-agent-"));
  // Only PATH from the outer environment: no real key or config of the machine leaks in.
  const child = spawn(binary, args, { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => { stdout += c.toString("utf8"); });
  child.stderr.on("data", (c: Buffer) => { stderr += c.toString("utf8"); });
  const timer = setTimeout(() => { stderr += `\n[killed after ${timeoutMs} ms]`; child.kill("SIGKILL"); }, timeoutMs);
  return new Promise((ok) => {
    const done = (code: number | null, extra = "") => { clearTimeout(timer); rmSync(cwd, { recursive: true, force: true }); ok({ code, stdout, stderr: stderr + extra }); };
    child.on("error", (error) => done(null, `\n${error.message}`));
    child.on("close", (code) => done(code));
  });
}

/**
 * The CLIs cannot set Host, and Envoy routes by it: they call the route's host (http://<host>) through
 * Envoy as their HTTP proxy, which both honour (absolute-form requests, Host from the URL).
 */
const viaEnvoy = (envoyUrl: string) => ({ HTTP_PROXY: envoyUrl, http_proxy: envoyUrl, NO_PROXY: "", no_proxy: "" });

/** `claude -p` with JSON output, every non-essential connection off, Bash allowed without asking. */
export function runClaude(claude: string, envoyUrl: string, host: string, prompt: string, model: string): Promise<AgentRun> {
  return run(claude, ["-p", prompt, "--output-format", "json", "--model", model, "--allowedTools", "Bash", "--max-turns", "4"], {
    ...viaEnvoy(envoyUrl),
    ANTHROPIC_BASE_URL: `http://${host}`,
    ANTHROPIC_API_KEY: "client-anthropic-key",
    ANTHROPIC_SMALL_FAST_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
  }, 60_000);
}

/** `codex exec` with a model provider at the route's host (Responses wire API), no sandbox, no approvals. */
export function runCodex(codex: string, envoyUrl: string, host: string, prompt: string, model: string): Promise<AgentRun> {
  return run(codex, [
    "exec", "--skip-git-repo-check", "--json", "--dangerously-bypass-approvals-and-sandbox",
    "-c", "model_provider=mesh", "-c", `model=${model}`,
    "-c", `model_providers.mesh={ name = "mesh", base_url = "http://${host}/v1", wire_api = "responses", env_key = "MESH_KEY" }`,
    "-c", "analytics.enabled=false", "-c", "check_for_update_on_startup=false",
    prompt,
  ], { ...viaEnvoy(envoyUrl), MESH_KEY: "client-openai-key" }, 60_000);
}

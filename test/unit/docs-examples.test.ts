// Every config example and command in the docs is real. Each ```json or ```yaml block in README.md,
// ARCHITECTURE.md and docs/*.md carries a marker on the line before it saying what it is:
//
//   <!-- example: config -->                      a whole plugin config
//   <!-- example: config; add providers: openai --> a config whose providers are left out for brevity
//   <!-- example: route; add providers: openai claude=anthropic -->   one entry of routes[]
//   <!-- example: policy; add providers: openai --> one route's policy
//   <!-- example: providers -->                   entries of providers[], one JSON object after another
//   <!-- example: other -->                       not a plugin config (a request body, a Kubernetes object)
//
// ("add providers" names each provider the block refers to: NAME, or NAME=TYPE when the name is not
// a type.) Config examples must pass `llm-mesh validate` and load in the compiled module; every
// `npx llm-mesh …` and `npm run …` shown must exist, with the flags shown, and every CLI command
// must be in docs/cli.md.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { validateConfig } from "../../src-host-tools/config/validate.js";
import { keyEnvNames } from "../../src-host-tools/config/keys.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { loadFilter } from "../support/filter.js";

const PAGES = ["README.md", "ARCHITECTURE.md", ...readdirSync(join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (page: string) => readFileSync(join(PROJECT_ROOT, page), "utf8");

interface Example { where: string; lang: string; text: string; kind: string | undefined; providers: string[] }

/** The ```json and ```yaml blocks of a page, with the marker before each (if any). */
function examples(page: string): Example[] {
  const lines = read(page).split("\n");
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(json|yaml)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf("```", i + 1);
    const marker = /^<!-- example: (\w+)(?:; add providers: ([^>]*?))? -->$/.exec(lines[i - 1] ?? "");
    found.push({ where: `${page}:${i + 1}`, lang: open[1], text: lines.slice(i + 1, end).join("\n"), kind: marker?.[1], providers: marker?.[2]?.split(/\s+/) ?? [] });
    i = end;
  }
  return found;
}

const ALL = PAGES.flatMap(examples);
const CONFIGS = ALL.filter((e) => e.kind !== "other");

type Obj = Record<string, unknown>;

/** The block as the plugin config it stands for, with the providers it names and one route if it has none. */
function asConfig(e: Example): Obj {
  const value = e.kind === "providers"
    ? JSON.parse(`[${e.text.replace(/\}\s*\n\s*\{/g, "},{")}]`)
    : e.lang === "json" ? JSON.parse(e.text) : parse(e.text);
  const added = e.providers.map((p) => {
    const [name, type = name] = p.split("=");
    return { name, type, apiKeys: [{ env: "DOCS_EXAMPLE_KEY" }] };
  });
  const route = (provider: string, name = "example", host = "llm.local") => ({ name, match: { host }, backends: [{ provider, model: "m" }] });
  let config: Obj;
  switch (e.kind) {
    case "config": config = { ...value, providers: [...(value.providers ?? []), ...added] }; break;
    case "route": config = { providers: added, routes: [value] }; break;
    case "policy": config = { providers: added, routes: [{ ...route(added[0].name), policy: value }] }; break;
    case "providers": config = { providers: value, routes: (value as { name: string }[]).map((p) => route(p.name, p.name, `${p.name}.llm.local`)) }; break;
    default: throw new Error(`${e.where}: unknown example kind ${e.kind}`);
  }
  config.routes ??= [route((config.providers as { name: string }[])[0].name)];
  // A consumer key written by `llm-mesh consumer add` is shown as a placeholder (…); put a real one there.
  for (const consumer of (config.consumers ?? []) as { keys?: unknown[] }[]) {
    if (consumer.keys) consumer.keys = consumer.keys.map((k) => (JSON.stringify(k).match(/…|\.\.\./) ? newKey().stored : k));
  }
  return config;
}

describe("the docs' config examples", () => {
  it("every json and yaml block says what it is (a marker line before it)", () => {
    expect(ALL.filter((e) => e.kind === undefined).map((e) => e.where)).toEqual([]);
    expect(CONFIGS.length).toBeGreaterThanOrEqual(10);
  });

  it.each(CONFIGS.map((e) => [e.where, e] as const))("%s validates and loads in the module", async (_where, e) => {
    const config = asConfig(e);
    const verdict = validateConfig(config);
    expect(verdict.errors, JSON.stringify(config)).toEqual([]);
    // As the toolchain runs it: body mode unless the config says otherwise, with Envoy's flag set.
    const env = Object.fromEntries(keyEnvNames(config as unknown as Parameters<typeof keyEnvNames>[0]).map((name) => [name, "docs-example-key"]));
    const { host, configured } = await loadFilter({ ...config, requestMode: config.requestMode ?? "body" }, { env, allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
  });
});

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as dashes. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");

describe("the docs' links", () => {
  it("every relative link reaches a file, and every #anchor a heading of it", () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const prose = read(page).replace(/^```[\s\S]*?^```/gm, "");
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split("#");
        const path = file === "" ? page : join(page, "..", file);
        let text: string;
        try { text = read(path); } catch { broken.push(`${page}: ${target}`); continue; }
        if (anchor !== undefined && !text.split("\n").some((l) => /^#+ /.test(l) && slug(l.replace(/^#+ /, "")) === anchor)) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** Commands shown in code: fenced shell blocks (continuations joined, comments cut) and inline code. */
function shownCommands(page: string): { where: string; command: string }[] {
  const text = read(page);
  const found: { where: string; command: string }[] = [];
  const add = (command: string) => {
    for (const part of command.split("&&")) found.push({ where: page, command: part.trim() });
  };
  for (const block of text.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)) {
    for (const line of block[1].replace(/\\\n\s*/g, " ").split("\n")) {
      const command = line.replace(/\s+#.*$/, "").trim();
      if (/^(npx llm-mesh|npm) /.test(command)) add(command);
    }
  }
  const prose = text.replace(/^```[\s\S]*?^```/gm, "");
  for (const span of prose.matchAll(/`([^`]+)`/g)) {
    const code = span[1].replace(/\s*\n\s*/g, " ");
    if (/^(npx llm-mesh|llm-mesh|npm) [a-z]/.test(code)) add(code);
  }
  return found;
}

const COMMANDS = PAGES.flatMap(shownCommands);
const exec = promisify(execFile);
const helpCache = new Map<string, Promise<string>>();
/** `llm-mesh WORDS --help`: its text, or "" when there is no such command. */
function help(words: string[]): Promise<string> {
  const key = words.join(" ");
  if (!helpCache.has(key)) {
    helpCache.set(key, exec(process.execPath, [join(PROJECT_ROOT, "bin", "llm-mesh.mjs"), ...words, "--help"], { cwd: PROJECT_ROOT })
      .then((r) => r.stdout, () => ""));
  }
  return helpCache.get(key)!;
}

// The commands do not depend on the module: run them once, not again against the gc-stress build.
describe.skipIf(process.env.LLM_MESH_WASM !== undefined)("the docs' commands", () => {
  const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

  it("every npm command shown is a script of package.json", () => {
    const npm = COMMANDS.filter((c) => c.command.startsWith("npm "));
    expect(npm.length).toBeGreaterThanOrEqual(10);
    const missing = npm.filter(({ command }) => {
      const [, verb, name] = command.split(/\s+/);
      if (verb === "install" || verb === "ci") return false;
      return !(verb === "run" ? name in scripts : verb in scripts);
    });
    expect(missing).toEqual([]);
  });

  it("every llm-mesh command shown exists, with the flags shown", async () => {
    const cli = COMMANDS.filter((c) => /^(npx )?llm-mesh [a-z]/.test(c.command));
    expect(cli.length).toBeGreaterThanOrEqual(20);
    const parsed = cli.map(({ where, command }) => {
      const words = command.replace(/^npx /, "").replace(/[[\]]/g, " ").split(/\s+/).slice(1);
      return { where, command, words, name: words[0] === "consumer" ? words.slice(0, 2) : words.slice(0, 1) };
    });
    await Promise.all(parsed.map(({ name }) => help(name)));
    const problems: string[] = [];
    for (const { where, command, words, name } of parsed) {
      const text = await help(name);
      if (!text.includes(`Usage: llm-mesh ${name.join(" ")}`)) { problems.push(`${where}: no command llm-mesh ${name.join(" ")} (${command})`); continue; }
      for (const flag of words.filter((w) => /^--[a-z][a-z-]*$/.test(w))) {
        if (flag !== "--help" && !new RegExp(`${flag}\\b`).test(text)) problems.push(`${where}: llm-mesh ${name.join(" ")} has no ${flag} (${command})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("docs/cli.md lists every command of the CLI", async () => {
    const top = await help([]);
    const names = [...top.slice(top.indexOf("Commands:")).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((n) => n !== "help");
    expect(names.length).toBeGreaterThanOrEqual(10);
    const table = read("docs/cli.md");
    expect(names.filter((n) => !table.includes(`| \`llm-mesh ${n}`))).toEqual([]);
  });
});

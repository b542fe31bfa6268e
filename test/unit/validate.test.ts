// The toolchain's validator: every problem with its path, warnings apart from errors, the
// generated JSON Schema kept fresh; the rules beyond the schema are the filter's own loader's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSchemaText } from "../../src-host-tools/config/schema.js";
import { formatProblem, validateConfig, validateConfigText } from "../../src-host-tools/config/validate.js";
import { vmInput } from "../../src-host-tools/config/filter-loader.js";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { BAD_CONFIGS, provider, route } from "../support/bad-configs.js";
import { loadFilter } from "../support/filter.js";

const text = (config: unknown) => (typeof config === "string" ? config : JSON.stringify(config));

describe("llm-mesh validate", () => {
  it("schema/llm-mesh-config.schema.json is up to date (run npx llm-mesh schema)", () => {
    expect(readFileSync(join(PROJECT_ROOT, "schema", "llm-mesh-config.schema.json"), "utf8")).toBe(jsonSchemaText());
  });

  it("reports every problem at once, each with its path", () => {
    const result = validateConfig({
      providers: [{ name: "oa", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }], colour: "red" }],
      routes: [
        { name: "all", catchAll: true, backends: [{ provider: "oa", weight: 0 }] },
        { name: "late", match: { host: "x.example" }, backends: [{ provider: "ghost" }] },
      ],
    });
    expect(result.errors.map(formatProblem)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^providers\[0\]\.colour: unknown field \(accepted: name, type, host/),
      "routes[0].backends[0].weight: must be a positive integer (1 to 1000000)",
      expect.stringMatching(/^routes\[1\]\.backends\[0\]\.provider: no provider named "ghost" \(define it under providers/),
      expect.stringMatching(/^routes\[1\]: is unreachable: routes\[0\] \("all"\) matches every request \(move the catch-all route last\)/),
    ]));
    expect(result.errors).toHaveLength(4);
  });

  it.each([
    ["inline key", { providers: [provider], routes: [route] }, "providers[0].apiKeys[0].value: key given inline"],
    ["mapping never used", { providers: [provider], routes: [{ name: "r", match: { host: "h" }, backends: [{ provider: "oa", model: "m", modelMapping: { "*": "x" } }] }] }, "routes[0].backends[0].modelMapping: is never used"],
    ["route mapping never used", { providers: [provider], routes: [{ name: "r", match: { host: "h" }, modelMapping: { a: "b" }, backends: [{ provider: "oa", model: "m" }] }] }, "routes[0].modelMapping: is never used"],
  ])("warns, without failing, on %s", (_name, config, warning) => {
    const result = validateConfig(config);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map(formatProblem).join("\n")).toContain(warning);
  });

  it.each([
    ["the same match twice", [{ name: "a", match: { host: "h" }, backends: [{ provider: "oa" }] }, { name: "b", match: { host: "H" }, backends: [{ provider: "oa" }] }], "routes[1]: is unreachable: routes[0] has the same match"],
    ["a route after a catch-all", [{ name: "a", match: { pathPrefix: "/" }, catchAll: true, backends: [{ provider: "oa" }] }, { name: "b", match: { host: "h" }, backends: [{ provider: "oa" }] }], "routes[1]: is unreachable: routes[0]"],
    ["a host route before the same host with models", [{ name: "a", match: { host: "h" }, backends: [{ provider: "oa" }] }, { name: "b", match: { host: "h", models: ["gpt-*"] }, backends: [{ provider: "oa" }] }], "routes[1]: is unreachable: routes[0] has the same match"],
    ["the same models twice", [{ name: "a", match: { host: "h", models: ["gpt-4o", "claude-*"] }, backends: [{ provider: "oa" }] }, { name: "b", match: { host: "h", models: ["claude-3*"] }, backends: [{ provider: "oa" }] }], "routes[1]: is unreachable: routes[0] has the same match and covers its models"],
    ["models after any model", [{ name: "a", match: { host: "h", models: ["*"] }, backends: [{ provider: "oa" }] }, { name: "b", match: { host: "h", models: ["gpt-4o"] }, backends: [{ provider: "oa" }] }], "routes[1]: is unreachable: routes[0] has the same match and covers its models"],
  ])("refuses unreachable routes: %s", (_name, routes, error) => {
    expect(validateConfig({ providers: [provider], routes }).errors.map(formatProblem).join("\n")).toContain(error);
  });

  // Routing by model on one host is what match.models is for: the toolchain accepts it, and the filter routes each model to its route.
  it.each([
    ["claude-* and gpt-* on one host", [{ name: "claude", match: { host: "llm.local", models: ["claude-*"] } }, { name: "gpt", match: { host: "llm.local", models: ["gpt-*"] } }], [["claude-sonnet-4-5", "claude"], ["gpt-4o", "gpt"]]],
    ["models first, then the rest of the host", [{ name: "mini", match: { host: "llm.local", models: ["gpt-4o-mini"] } }, { name: "rest", match: { host: "llm.local" } }], [["gpt-4o-mini", "mini"], ["gpt-4o", "rest"]]],
    ["a narrower prefix before a wider one", [{ name: "c3", match: { host: "llm.local", models: ["claude-3*"] } }, { name: "c", match: { host: "llm.local", models: ["claude-*"] } }], [["claude-3-haiku", "c3"], ["claude-4", "c"]]],
  ])("accepts routes that differ only in their models: %s", async (_name, matches, expected) => {
    const config = { requestMode: "body", providers: [provider], routes: matches.map((m) => ({ ...m, backends: [{ provider: "oa", model: `model-of-${m.name}` }] })) };
    expect(validateConfig(config).errors.map(formatProblem)).toEqual([]);
    const { host, configured } = await loadFilter(config, { allowOnHeadersStopIteration: true });
    expect(configured).toBe(true);
    for (const [model, route] of expected) {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", "content-type": "application/json" }, JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }));
      expect(s.localResponse, model).toBeNull();
      expect(JSON.parse(s.upstreamBodyText()).model, model).toBe(`model-of-${route}`);
    }
  });

  it("reads YAML as well as JSON, with the same paths", () => {
    const yaml = "providers:\n  - name: oa\n    type: openai\n    apiKeys: [{env: OPENAI_API_KEY}]\nroutes:\n  - name: r\n    match: {host: h}\n    backends:\n      - provider: oa\n        weight: -1\n";
    expect(validateConfigText(yaml).errors.map(formatProblem)).toEqual(["routes[0].backends[0].weight: must be a positive integer (1 to 1000000)"]);
    expect(validateConfigText("providers: [").errors[0].message).toMatch(/^is not valid JSON or YAML/);
  });

  it("accepts the example config without warnings", () => {
    const result = validateConfigText(readFileSync(join(PROJECT_ROOT, "envoy", "plugin-config.json"), "utf8"));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  // The rules beyond the schema are the filter's loader's, run in the host emulator: validate names
  // every field the filter's table of bad configs names (test/unit/config.test.ts holds the filter to it).
  it.each(BAD_CONFIGS)("names every refused field: $name", ({ config, fields }) => {
    const paths = validateConfigText(text(config)).errors.map((e) => e.path);
    for (const field of fields) expect(paths).toContain(field.slice(0, field.indexOf(": ")));
  });

  it.each([
    ["a backreference", { deny: [{ regex: "(a)\\1" }] }, "routes[0].policy.deny[0].regex: backreferences are not supported at character 4 (patterns run in linear time"],
    ["a pattern that matches empty text", { mask: [{ regex: "a*" }] }, "routes[0].policy.mask[0].regex: can match empty text, so it would match every prompt"],
    ["a repetition count above 100", { deny: [{ regex: "x{1000}" }] }, "routes[0].policy.deny[0].regex: repetition counts above 100 are not supported at character 8"],
    ["the route's own message, seen normalized", { deny: [{ name: "codes", contains: "launch code" }], prepend: [{ role: "system", content: "\uff4c\uff41\uff55\uff4e\uff43\uff48  code" }] }, "routes[0].policy.prepend[0].content: matches the route's own deny rule codes, so every request would be refused"],
    ["a credential in a template", { template: { user: "{{ body.api_key }}" } }, "routes[0].policy.template.user: {{ body.api_key }}: a credential field cannot be read"],
  ])("refuses a policy with %s, in the filter's words", (_name, policy, error) => {
    const config = { providers: [provider], routes: [{ ...route, policy }] };
    expect(validateConfig(config).errors.map(formatProblem).join("\n")).toContain(error);
  });

  it("gives the VM no key: inline values and the environment are placeholders", () => {
    process.env.LLM_MESH_VALIDATE_TEST_KEY = "env-secret-sentinel";
    const config = { providers: [{ ...provider, apiKeys: [{ value: "inline-secret-sentinel" }, { env: "LLM_MESH_VALIDATE_TEST_KEY" }] }], routes: [route] };
    const { text, env } = vmInput(config, "body");
    delete process.env.LLM_MESH_VALIDATE_TEST_KEY;
    expect(JSON.stringify({ text, env })).not.toMatch(/secret-sentinel/);
    expect(Object.keys(env)).toContain("LLM_MESH_VALIDATE_TEST_KEY");
    expect(JSON.parse(text)).toMatchObject({ requestMode: "body", providers: [{ apiKeys: [{ value: expect.any(String) }, { env: "LLM_MESH_VALIDATE_TEST_KEY" }] }] });
  });

  it("checks keys named by env without the environment, and warns only of the inline key", () => {
    const config = { providers: [provider, { name: "env", type: "anthropic", apiKeys: [{ env: "UNSET_IN_THIS_PROCESS" }] }], routes: [route] };
    const result = validateConfig(config);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map(formatProblem)).toEqual([expect.stringMatching(/^providers\[0\]\.apiKeys\[0\]\.value: key given inline/)]);
  });

  describe("MCP routes (docs/mcp.md)", () => {
    const server = { name: "github", type: "mcp", host: "api.githubcopilot.com", basePath: "/mcp/", apiKeys: [{ env: "GITHUB_MCP_TOKEN" }] };
    const mcpRoute = { name: "gh", match: { host: "api.githubcopilot.com" }, backends: [{ provider: "github" }] };
    const mcpConfig = (routeFields: Record<string, unknown>, consumers: unknown[] = []) => ({ requestMode: "body", providers: [server], routes: [{ ...mcpRoute, ...routeFields }], ...(consumers.length > 0 ? { consumers } : {}) });
    const triage = (tools?: string[]) => ({ name: "triage", principals: ["spiffe://cluster.local/ns/agents/sa/triage"], mcp: [{ server: "github", ...(tools ? { tools } : {}) }] });
    const other = { name: "other", principals: ["spiffe://cluster.local/ns/agents/sa/other"] };

    it("accepts the design's fields: routes[].mcp, consumers[].mcp, a base path ending in '/'", () => {
      const result = validateConfig(mcpConfig({ requireConsumer: true, mcp: { tools: ["get_*"], resources: ["repo://*"], prompts: ["*"], maxMessageBytes: 1048576 } }, [triage(["get_issue", "search_*"])]));
      expect(result.errors.map(formatProblem)).toEqual([]);
      expect(result.warnings.map(formatProblem)).toEqual([]);
    });

    it.each([
      ["a '*' inside a tool pattern", { mcp: { tools: ["get*issue"] } }, [], "routes[0].mcp.tools[0]: must be a name (a resource's URI), a prefix ending in '*', or '*'"],
      ["an empty resource pattern", { mcp: { resources: [""] } }, [], "routes[0].mcp.resources[0]: must"],
      ["a message limit below 1 KiB", { mcp: { maxMessageBytes: 100 } }, [], "routes[0].mcp.maxMessageBytes: must be an integer from 1024 to 16777216"],
      ["an unknown field under routes[].mcp", { mcp: { tool: ["x"] } }, [], "routes[0].mcp.tool: unknown field (accepted: tools, resources, prompts, maxMessageBytes)"],
      ["a consumer's entry without a server", {}, [{ ...other, mcp: [{ tools: ["x"] }] }], "consumers[0].mcp[0].server: is required"],
      ["a consumer's server that is no name", {}, [{ ...other, mcp: [{ server: "git hub" }] }], "consumers[0].mcp[0].server: must be 1 to 128 letters, digits, '-', '_' or '.'"],
      ["an unknown field in a consumer's entry", {}, [{ ...other, mcp: [{ server: "github", tool: ["x"] }] }], "consumers[0].mcp[0].tool: unknown field (accepted: server, tools, resources, prompts)"],
    ])("refuses %s, naming the field", (_name, routeFields, consumers, error) => {
      expect(validateConfig(mcpConfig(routeFields, consumers)).errors.map(formatProblem).join("\n")).toContain(error);
    });

    // route fields, consumers, the warning (or none)
    it.each([
      ["a consumer restricts tools, the route lists none, anyone may call", {}, [triage(["get_issue"])], 'routes[0].mcp.tools: is not set: consumers limit the tools of MCP server "github" ("triage"), but callers without a tools list for it may use every tool (callers that are no consumer)'],
      ["the same with requireConsumer, another consumer has no list", { requireConsumer: true }, [triage(["get_issue"]), other], 'may use every tool ("other")'],
      ["a consumer's entry without tools counts as no list", { requireConsumer: true }, [triage(["get_issue"]), { ...other, mcp: [{ server: "github", prompts: ["*"] }] }], 'may use every tool ("other")'],
      ["the route lists tools for everyone else", { mcp: { tools: [] } }, [triage(["get_issue"])], null],
      ["requireConsumer and every consumer has a list", { requireConsumer: true }, [triage(["get_issue"]), { ...other, mcp: [{ server: "github", tools: [] }] }], null],
      ["a consumer that may not use the route does not count", { requireConsumer: true }, [triage(["get_issue"]), { ...other, routes: ["elsewhere"] }], null],
      ["no consumer restricts tools", {}, [triage()], null],
    ])("warns when consumers restrict tools but the route leaves them open: %s", (_name, routeFields, consumers, warning) => {
      const result = validateConfig(mcpConfig(routeFields, consumers));
      const warnings = result.warnings.map(formatProblem).filter((w) => w.startsWith("routes[0].mcp.tools"));
      if (warning === null) expect(warnings).toEqual([]);
      else expect(warnings.join("\n")).toContain(warning);
    });
  });
});

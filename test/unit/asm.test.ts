// Alibaba ASM LLMProvider/LLMRoute YAML, exactly as in the ASM documentation, becomes llm-mesh config.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importAsm } from "../../src-host-tools/asm/import.js";
import { validateConfig } from "../../src-host-tools/config/validate.js";
import { renderManifests } from "../../src-host-tools/manifests/render.js";
import { validateIstioObject } from "../../src-host-tools/manifests/crd-validate.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";
import { parseAllDocuments } from "yaml";
import { UserError } from "../../src-host-tools/errors.js";

const fixture = (name: string) => ({ name, text: readFileSync(new URL(`../fixtures/asm/${name}.yaml`, import.meta.url), "utf8") });

const rows = [
  {
    name: "routing-subscriber",
    placement: { mode: "sidecar" },
    config: {
      providers: [{ name: "dashscope-qwen", type: "dashscope", apiKeys: [{ env: "DASHSCOPE_API_KEY" }], overrides: { model: "qwen-1.8b-chat", stream: false } }],
      routes: [
        { name: "vip-route", match: { host: "dashscope.aliyuncs.com", headers: [{ name: "user-type", exact: "subscriber" }] }, backends: [{ provider: "dashscope-qwen", model: "qwen-turbo" }] },
        { name: "dashscope-route-rule-1", match: { host: "dashscope.aliyuncs.com" }, backends: [{ provider: "dashscope-qwen" }] },
      ],
    },
  },
  {
    name: "routing-split",
    placement: { mode: "sidecar" },
    config: {
      providers: [
        { name: "dashscope-qwen", type: "dashscope", apiKeys: [{ env: "DASHSCOPE_API_KEY" }], overrides: { model: "qwen-1.8b-chat", stream: false } },
        { name: "moonshot", type: "moonshot", apiKeys: [{ env: "MOONSHOT_API_KEY" }], overrides: { model: "moonshot-v1-8k", stream: false } },
      ],
      routes: [{ name: "migrate-rule", match: { host: "demo-llm-server" }, backends: [{ provider: "dashscope-qwen", weight: 50 }, { provider: "moonshot", weight: 50 }] }],
    },
  },
  {
    name: "egress-gateway",
    placement: { mode: "egress", selector: { istio: "egressgateway" }, gatewayService: "istio-egressgateway.istio-system.svc.cluster.local" },
    config: {
      providers: [{ name: "dashscope-qwen", type: "dashscope", apiKeys: [{ env: "API_KEY" }], overrides: { model: "qwen1.5-72b-chat", stream: false } }],
      routes: [{ name: "egress-gw-route", match: { host: "dashscope.aliyuncs.com" }, backends: [{ provider: "dashscope-qwen" }] }],
    },
  },
  {
    name: "ingress-gateway",
    placement: { mode: "gateway", selector: { istio: "ingressgateway" }, gateways: ["istio-system/ingress-gw"] },
    config: {
      providers: [{ name: "dashscope-qwen", type: "dashscope", apiKeys: [{ env: "API_KEY" }], overrides: { model: "qwen1.5-72b-chat", stream: false } }],
      routes: [
        { name: "ingress-route-0", match: { host: "dashscope.aliyuncs.com" }, backends: [{ provider: "dashscope-qwen" }] },
        { name: "ingress-route-1", match: { host: "test.com" }, backends: [{ provider: "dashscope-qwen" }] },
      ],
    },
  },
];

describe("llm-mesh import-asm", () => {
  it.each(rows)("$name: config and placement", ({ name, config, placement }) => {
    const result = importAsm([fixture(name)]);
    expect(result.config).toEqual(config);
    expect(result.placement).toEqual(placement);
    const check = validateConfig(result.config);
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([]);
    // ${VAR} placeholders never become values.
    expect(JSON.stringify(result.config)).not.toContain("${");
  });

  it.each(rows)("$name: manifests pass the Istio CRD schemas", ({ name }) => {
    const result = importAsm([fixture(name)]);
    const p = result.placement;
    const yaml = renderManifests({
      config: result.config, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST,
      placement: p.mode === "egress" ? { mode: "egress", gatewaySelector: p.selector, gatewayService: p.gatewayService, gatewayNamespace: "istio-system" }
        : p.mode === "gateway" ? { mode: "gateway", selector: p.selector, gateway: "istio-system/ingress-gw" } : { mode: "sidecar", selector: {} },
    });
    for (const doc of parseAllDocuments(yaml)) expect(validateIstioObject(doc.toJS())).toEqual([]);
  });

  it("notes the egress rule it turns into a VirtualService", () => {
    expect(importAsm([fixture("egress-gateway")]).notes.join("\n")).toMatch(/mesh-route.*egress gateway.*VirtualService/);
  });

  it("never copies a literal key: it becomes an env reference, and a note says where to put the key", () => {
    const text = fixture("routing-split").text.replace("${MOONSHOT_API_KEY}", "sk-literal");
    const result = importAsm([{ name: "x", text }]);
    expect(result.config.providers[1].apiKeys).toEqual([{ env: "LLM_MESH_KEY_MOONSHOT" }]);
    expect(result.notes.join("\n")).toMatch(/LLMProvider\/moonshot: the API key is given inline; it was not copied. Put it in a Secret under LLM_MESH_KEY_MOONSHOT/);
    expect(JSON.stringify(result)).not.toContain("sk-literal");
  });

  it("gives a rule-specific key its own provider", () => {
    const text = fixture("routing-subscriber").text.replace(/(vip-route:\n(?:.*\n){3}\s+apiKey: )\$\{DASHSCOPE_API_KEY\}/, "$1${VIP_KEY}");
    const result = importAsm([{ name: "x", text }]);
    expect(result.config.providers.map((p) => p.name)).toEqual(["dashscope-qwen", "dashscope-qwen-vip-route"]);
    expect(result.config.providers[1].apiKeys).toEqual([{ env: "VIP_KEY" }]);
    expect(result.config.routes[0].backends).toEqual([{ provider: "dashscope-qwen-vip-route", model: "qwen-turbo" }]);
  });

  it.each([
    ["a regex header match", (t: string) => t.replace("exact: subscriber", "regex: sub.*"), /regex matches are not supported/],
    ["an unknown providerHost", (t: string) => t.replace(/- providerHost: dashscope.aliyuncs.com\n  - backendRefs/, "- providerHost: nowhere.example\n  - backendRefs"), /no LLMProvider has host nowhere.example/],
    ["a path that is not chat completions", (t: string) => t.replace("/compatible-mode/v1/chat/completions", "/api/generate"), /is not a chat completions path/],
  ])("refuses %s with a clear error", (_name, edit, message) => {
    expect(() => importAsm([{ name: "x", text: edit(fixture("routing-subscriber").text) }])).toThrow(UserError);
    expect(() => importAsm([{ name: "x", text: edit(fixture("routing-subscriber").text) }])).toThrow(message);
  });
});

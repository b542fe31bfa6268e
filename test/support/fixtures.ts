// Shared plugin configurations for the unit and Envoy tests. Keys are obviously fake.

/** Every provider type once, each selected by its own request host. */
export const ALL_TYPES_CONFIG = {
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "azure", type: "azure-openai", host: "acme.openai.azure.com", apiKeys: [{ value: "test-azure-key" }] },
    { name: "azure-v1", type: "azure-openai", host: "acme.openai.azure.com", apiVersion: "v1", apiKeys: [{ value: "test-azure-key" }] },
    { name: "dashscope", type: "dashscope", apiKeys: [{ env: "DASHSCOPE_API_KEY" }], defaults: { model: "qwen-1.8b-chat", stream: false } },
    { name: "moonshot", type: "moonshot", apiKeys: [{ value: "test-moonshot-key" }] },
    { name: "deepseek", type: "deepseek", apiKeys: [{ value: "test-deepseek-key" }] },
    { name: "mistral", type: "mistral", apiKeys: [{ value: "test-mistral-key" }] },
    { name: "groq", type: "groq", apiKeys: [{ value: "test-groq-key" }] },
    { name: "together", type: "together", apiKeys: [{ value: "test-together-key" }] },
    { name: "fireworks", type: "fireworks", apiKeys: [{ value: "test-fireworks-key" }] },
    { name: "openrouter", type: "openrouter", apiKeys: [{ value: "test-openrouter-key" }] },
    { name: "xai", type: "xai", apiKeys: [{ value: "test-xai-key" }] },
    { name: "ollama", type: "ollama" },
    { name: "vllm", type: "vllm", host: "vllm.models.svc.cluster.local" },
    { name: "custom", type: "openai-compatible", host: "llm.example.com", port: 8443, basePath: "/api/openai", apiKeys: [{ value: "k1" }, { value: "k2" }] },
    { name: "locked", type: "openai", apiKeys: [{ value: "test-openai-key" }], overrides: { temperature: 0, model: "gpt-4o-mini" }, defaults: { max_tokens: 64 } },
    { name: "missing-key", type: "openai", apiKeys: [{ env: "NOT_SET_ANYWHERE" }] },
    { name: "org-set", type: "openai", apiKeys: [{ value: "test-openai-key" }], headers: { "openai-organization": "org-from-config" } },
    { name: "project-pass", type: "openai", apiKeys: [{ value: "test-openai-key" }], allowClientHeaders: ["openai-project"] },
  ],
  routes: [
    { name: "vip", match: { host: "dashscope.aliyuncs.com", headers: [{ name: "user-type", exact: "subscriber" }] }, backends: [{ provider: "dashscope", model: "qwen-turbo" }] },
    { name: "dashscope", match: { host: "dashscope.aliyuncs.com" }, backends: [{ provider: "dashscope" }] },
    { name: "by-route-name", match: { routeName: "llm-special" }, backends: [{ provider: "mistral", model: "mistral-large-latest" }] },
    { name: "azure", match: { host: "azure.llm" }, backends: [{ provider: "azure", model: "gpt-4o" }] },
    { name: "azure-v1", match: { host: "azure-v1.llm" }, backends: [{ provider: "azure-v1" }] },
    { name: "mapped", match: { host: "mapped.llm" }, backends: [{ provider: "openai" }],
      modelMapping: { "gpt-4": "gpt-4o", "gpt-3.5*": "gpt-4o-mini", "claude-*": "gpt-4.1", "*": "gpt-4o-mini" } },
    { name: "locked", match: { host: "locked.llm" }, backends: [{ provider: "locked" }] },
    { name: "rotating", match: { host: "custom.llm" }, backends: [{ provider: "custom", model: "m" }] },
    { name: "broken", match: { host: "broken.llm" }, backends: [{ provider: "missing-key" }] },
    { name: "wild", match: { host: "*.wild.llm", pathPrefix: "/team-a/" }, backends: [{ provider: "groq" }] },
    { name: "org-set", match: { host: "org.llm" }, backends: [{ provider: "org-set" }] },
    { name: "project-pass", match: { host: "project.llm" }, backends: [{ provider: "project-pass" }] },
    { name: "other-port", match: { host: "port.llm:8080" }, backends: [{ provider: "openai" }] },
    ...["openai", "moonshot", "deepseek", "mistral", "groq", "together", "fireworks", "openrouter", "xai", "ollama", "vllm"]
      .map((p) => ({ name: p, match: { host: `${p}.llm` }, backends: [{ provider: p }] })),
  ],
};

export const ALL_TYPES_ENV = { DASHSCOPE_API_KEY: "test-dashscope-key" };

/** Body mode with every routing feature: model conditions, catch-all, explicit clusters (fuzz seed). */
export const BODY_MODE_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }], clusters: ["openai_cluster", "outbound|*"] },
    { name: "mistral", type: "mistral", apiKeys: [{ value: "test-mistral-key" }], headers: { "openai-organization": "org-1" } },
  ],
  routes: [
    { name: "gpt", match: { host: "router.llm:8080", models: ["gpt-*", "o3"] }, backends: [{ provider: "openai" }] },
    { name: "mistral", match: { host: "*.router.llm", models: ["mistral-*"], headers: [{ name: "x-tier", present: true }] }, backends: [{ provider: "mistral", weight: 3 }] },
    { name: "rest", catchAll: true, match: { models: ["*"] }, backends: [{ provider: "mistral", model: "mistral-small-latest" }] },
  ],
};

/** Translation between APIs: Anthropic and OpenAI-family backends, each on its own request host. */
export const TRANSLATE_CONFIG = {
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "anthropic-capped", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }], defaults: { max_tokens: 1000 } },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "groq", type: "groq", apiKeys: [{ value: "test-groq-key" }] },
  ],
  routes: [
    { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "claude-capped", match: { host: "capped.llm" }, backends: [{ provider: "anthropic-capped", model: "claude-haiku-4-5" }] },
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai" }] },
    { name: "groq", match: { host: "groq.llm" }, backends: [{ provider: "groq" }] },
    { name: "claude-strict-tools", match: { host: "strict-tools.llm" }, backends: [{ provider: "anthropic" }], hostedTools: "refuse" },
  ],
};

/** Gemini needs body mode: its path names the model and whether the answer streams. */
export const GEMINI_CONFIG = {
  requestMode: "body",
  providers: [{ name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] }],
  routes: [{ name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] }],
};

/** Bedrock: body mode (the path names the model; the signature covers the body), credentials from the VM environment. */
export const BEDROCK_CONFIG = {
  requestMode: "body",
  providers: [{ name: "bedrock", type: "bedrock", region: "us-east-1" }],
  routes: [{ name: "bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock" }] }],
};

/** The mock Bedrock's credentials (src-host-tools/mock/bedrock.ts), as the VM gets them. */
export const BEDROCK_ENV = { AWS_ACCESS_KEY_ID: "AKIDMOCKEXAMPLE", AWS_SECRET_ACCESS_KEY: "mock/secret+access/key" };

/** Vertex AI: Gemini and Claude models behind one provider; body mode. */
export const VERTEX_CONFIG = {
  requestMode: "body",
  providers: [{ name: "vertex", type: "vertex-ai", project: "my-proj", region: "us-east5", apiKeys: [{ value: "test-vertex-token" }] }],
  routes: [{ name: "vertex", match: { host: "vertex.llm" }, backends: [{ provider: "vertex" }] }],
};

/**
 * MCP in the mesh (docs/mcp.md): an external SaaS server (TLS origination, a ServiceEntry) and an
 * in-cluster one (a cluster service: no ServiceEntry, the caller's sidecar on its port), two
 * identities seeing different tool sets. Used by the manifests' unit tests and the Istio proof.
 */
export const MCP_MESH_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "github", type: "mcp", host: "api.githubcopilot.com", basePath: "/mcp/", apiKeys: [{ env: "GITHUB_MCP_TOKEN" }] },
    { name: "inventory", type: "mcp", host: "inventory.tools.svc.cluster.local", port: 8080, basePath: "/mcp" },
  ],
  routes: [
    { name: "github-tools", match: { host: "api.githubcopilot.com" }, backends: [{ provider: "github" }], requireConsumer: true, mcp: { tools: [] } },
    // The client's authority names the service port, so the match does too (without one it would match port 80 only).
    { name: "inventory-tools", match: { host: "inventory.tools.svc.cluster.local:8080", pathPrefix: "/mcp" }, backends: [{ provider: "inventory" }], mcp: { tools: ["list_*"] } },
  ],
  consumers: [
    { name: "triage-agent", principals: ["spiffe://cluster.local/ns/agents/sa/triage"], mcp: [{ server: "github", tools: ["get_issue", "search_*"] }, { server: "inventory", tools: ["list_items", "get_item"] }] },
    { name: "release-agent", principals: ["spiffe://cluster.local/ns/agents/sa/release"], mcp: [{ server: "github", tools: ["create_release", "get_issue"] }] },
  ],
};

/** One route from OpenAI clients on llm.local to an Anthropic backend (translated), body mode. */
export const CLAUDE_ROUTE_CONFIG = {
  requestMode: "body",
  providers: [{ name: "claude", type: "anthropic", apiKeys: [{ value: "sk-ant-test" }] }],
  routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "claude", model: "claude-sonnet-4-5" }] }],
};

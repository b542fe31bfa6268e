// Every provider type the filter accepts, with its endpoint defaults: the one table of them. The
// filter compiles it (registry.ts) and the toolchain imports it (src-host-tools/providers.ts), so it
// is written in the part of AssemblyScript that TypeScript reads too: no imports, no functions, and only
// string, boolean and i32 (declared for the toolchain in src-host-tools/assembly-types.d.ts).
// A vendor that speaks OpenAI's API at another host is one "compatible" row here, and nothing else.

/** One provider type. `family` names the class that serves it (registry.ts; the toolchain's providers.ts). */
export class ProviderRow {
  constructor(
    public type: string,
    public family: string,
    /** Empty when the user must give a host (self-hosted, per tenant) or it follows the region. */
    public host: string,
    /** 0 leaves the port out of :authority (TLS on 443). */
    public port: i32,
    public basePath: string,
    public keyRequired: boolean,
  ) {}
}

export const PROVIDER_ROWS: ProviderRow[] = [
  // platform.openai.com/docs/api-reference/chat
  new ProviderRow("openai", "openai", "api.openai.com", 0, "/v1", true),
  // learn.microsoft.com/azure/ai-services/openai/reference. No default host: every resource has its own,
  // {resource}.openai.azure.com. No key required by the generic check: azure-openai.ts asks for apiKeys or the managed identity.
  new ProviderRow("azure-openai", "azure-openai", "", 0, "/openai", false),
  // docs.anthropic.com/en/api/messages
  new ProviderRow("anthropic", "anthropic", "api.anthropic.com", 0, "/v1", true),
  // ai.google.dev/api/generate-content
  new ProviderRow("gemini", "gemini", "generativelanguage.googleapis.com", 0, "/v1beta", true),
  // docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html (host per region)
  new ProviderRow("bedrock", "bedrock", "", 0, "", false),
  // cloud.google.com/vertex-ai/generative-ai/docs/reference/rest (host per region). No key required by the
  // generic check: vertex-ai.ts asks for apiKeys or the metadata server.
  new ProviderRow("vertex-ai", "vertex-ai", "", 0, "", false),
  // help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope (intl: dashscope-intl.aliyuncs.com)
  new ProviderRow("dashscope", "compatible", "dashscope.aliyuncs.com", 0, "/compatible-mode/v1", true),
  // platform.moonshot.cn/docs/api/chat
  new ProviderRow("moonshot", "compatible", "api.moonshot.cn", 0, "/v1", true),
  // api-docs.deepseek.com: POST https://api.deepseek.com/chat/completions
  new ProviderRow("deepseek", "compatible", "api.deepseek.com", 0, "", true),
  // docs.mistral.ai/api
  new ProviderRow("mistral", "compatible", "api.mistral.ai", 0, "/v1", true),
  // console.groq.com/docs/openai
  new ProviderRow("groq", "compatible", "api.groq.com", 0, "/openai/v1", true),
  // docs.together.ai/docs/openai-api-compatibility
  new ProviderRow("together", "compatible", "api.together.xyz", 0, "/v1", true),
  // docs.fireworks.ai/tools-sdks/openai-compatibility
  new ProviderRow("fireworks", "compatible", "api.fireworks.ai", 0, "/inference/v1", true),
  // openrouter.ai/docs/api-reference
  new ProviderRow("openrouter", "compatible", "openrouter.ai", 0, "/api/v1", true),
  // docs.x.ai/docs/api-reference
  new ProviderRow("xai", "compatible", "api.x.ai", 0, "/v1", true),
  // github.com/ollama/ollama/blob/main/docs/openai.md: local, no key by default.
  new ProviderRow("ollama", "compatible", "localhost", 11434, "/v1", false),
  // docs.vllm.ai: OpenAI-compatible server, key only when started with --api-key.
  new ProviderRow("vllm", "compatible", "", 8000, "/v1", false),
  // Anything else that speaks the OpenAI API.
  new ProviderRow("openai-compatible", "compatible", "", 0, "/v1", false),
  // An MCP server (Streamable HTTP transport): modelcontextprotocol.io/specification. Host and endpoint path are the server's.
  new ProviderRow("mcp", "mcp", "", 0, "", false),
];

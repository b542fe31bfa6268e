// What the toolchain knows of each provider type: its default endpoint and auth scheme. The filter
// has its own copy (assembly/providers/); test/unit/catalog.test.ts sends a request of every type
// through the compiled module and fails if the two disagree.

export interface ProviderTypeInfo {
  /** Empty when the user must give a host. */
  host: string;
  /** 0: no port in :authority, TLS on 443 upstream. */
  port: number;
  basePath: string;
  keyRequired: boolean;
  /** Header that carries the key: authorization takes "Bearer KEY", the others the key alone. */
  authHeader: "authorization" | "api-key" | "x-api-key" | "x-goog-api-key";
  /** How the key is sent: as the header's value (Bearer for authorization), or an AWS SigV4 signature of the request. */
  auth?: "sigv4";
  /** The API the endpoint speaks; clients of another API are translated by the filter. */
  api: "openai" | "anthropic" | "gemini" | "bedrock";
  /** Path after basePath for a chat request ({model}: the model sent; non-streaming). */
  chatPath: string;
  /** The path depends on the body (model, streaming): the provider needs requestMode "body". */
  pathFromBody?: boolean;
  docs: string;
}

export const PROVIDER_TYPES: Record<string, ProviderTypeInfo> = {
  "openai": { host: "api.openai.com", port: 0, basePath: "/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://platform.openai.com/docs/api-reference/chat" },
  "azure-openai": { host: "", port: 0, basePath: "/openai", keyRequired: true, authHeader: "api-key", api: "openai", chatPath: "/chat/completions", docs: "https://learn.microsoft.com/azure/ai-services/openai/reference" },
  "anthropic": { host: "api.anthropic.com", port: 0, basePath: "/v1", keyRequired: true, authHeader: "x-api-key", api: "anthropic", chatPath: "/messages", docs: "https://docs.anthropic.com/en/api/messages" },
  "gemini": { host: "generativelanguage.googleapis.com", port: 0, basePath: "/v1beta", keyRequired: true, authHeader: "x-goog-api-key", api: "gemini", chatPath: "/models/{model}:generateContent", pathFromBody: true, docs: "https://ai.google.dev/api/generate-content" },
  "bedrock": { host: "", port: 0, basePath: "", keyRequired: false, authHeader: "authorization", auth: "sigv4", api: "bedrock", chatPath: "/model/{model}/converse", pathFromBody: true, docs: "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html" },
  "vertex-ai": { host: "", port: 0, basePath: "", keyRequired: true, authHeader: "authorization", api: "gemini", chatPath: "/v1/projects/p/locations/us-central1/publishers/google/models/{model}:generateContent", pathFromBody: true, docs: "https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest" },
  "dashscope": { host: "dashscope.aliyuncs.com", port: 0, basePath: "/compatible-mode/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope" },
  "moonshot": { host: "api.moonshot.cn", port: 0, basePath: "/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://platform.moonshot.cn/docs/api/chat" },
  "deepseek": { host: "api.deepseek.com", port: 0, basePath: "", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://api-docs.deepseek.com" },
  "mistral": { host: "api.mistral.ai", port: 0, basePath: "/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://docs.mistral.ai/api" },
  "groq": { host: "api.groq.com", port: 0, basePath: "/openai/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://console.groq.com/docs/openai" },
  "together": { host: "api.together.xyz", port: 0, basePath: "/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://docs.together.ai/docs/openai-api-compatibility" },
  "fireworks": { host: "api.fireworks.ai", port: 0, basePath: "/inference/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://docs.fireworks.ai/tools-sdks/openai-compatibility" },
  "openrouter": { host: "openrouter.ai", port: 0, basePath: "/api/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://openrouter.ai/docs/api-reference" },
  "xai": { host: "api.x.ai", port: 0, basePath: "/v1", keyRequired: true, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://docs.x.ai/docs/api-reference" },
  "ollama": { host: "localhost", port: 11434, basePath: "/v1", keyRequired: false, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://github.com/ollama/ollama/blob/main/docs/openai.md" },
  "vllm": { host: "", port: 8000, basePath: "/v1", keyRequired: false, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html" },
  "openai-compatible": { host: "", port: 0, basePath: "/v1", keyRequired: false, authHeader: "authorization", api: "openai", chatPath: "/chat/completions", docs: "" },
};

/** The parts of a provider entry in the plugin config that decide where it sends requests. */
export interface ProviderEndpointConfig { name: string; type: string; host?: string; port?: number; basePath?: string; region?: string; project?: string }

/** Where a configured provider's requests go: authority as the filter writes it, and TLS or not. */
export interface ProviderEndpoint { name: string; host: string; port: number; authority: string; tls: boolean }

/** Bedrock's and Vertex AI's hosts are per region. */
export function regionalHost(p: ProviderEndpointConfig): string | undefined {
  if (!p.region) return undefined;
  if (p.type === "bedrock") return `bedrock-runtime.${p.region}.amazonaws.com`;
  if (p.type === "vertex-ai") return p.region === "global" ? "aiplatform.googleapis.com" : `${p.region}-aiplatform.googleapis.com`;
  return undefined;
}

/** Resolves a provider's endpoint as the filter does; port 0 or 443 means TLS on 443. */
export function providerEndpoint(p: ProviderEndpointConfig): ProviderEndpoint {
  const info = PROVIDER_TYPES[p.type];
  if (!info) throw new Error(`unknown provider type ${p.type}`);
  const host = p.host ?? regionalHost(p) ?? info.host;
  const port = p.port ?? info.port;
  const authority = port > 0 ? `${host}:${port}` : host;
  const tls = port === 0 || port === 443;
  return { name: p.name, host, port: port > 0 ? port : 443, authority, tls };
}

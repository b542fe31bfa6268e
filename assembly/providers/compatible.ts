// Vendors whose chat API is OpenAI's, differing only in host and base path. Each row is checked
// against the vendor's own API reference (linked). They share OpenAIProvider's behaviour.
import { Provider, ProviderSpec } from "./provider";
import { Operation } from "../api";
import { OpenAIProvider } from "./openai";

/** An OpenAI-compatible vendor: OpenAI's API, with the output limit in max_tokens, which they all accept. */
class CompatibleProvider extends OpenAIProvider {
  maxTokensField(): string { return "max_tokens"; }
  takesPromptCacheKey(): bool { return false; }
  /** Few compatible vendors serve /responses: Responses clients are translated to chat for them. */
  servesNatively(op: Operation): bool { return false; }
}

function createCompatible(spec: ProviderSpec): Provider { return new CompatibleProvider(spec); }

/** type, default host, default port, base path, key required. */
export const COMPATIBLE_SPECS: ProviderSpec[] = [
  // help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope (intl: dashscope-intl.aliyuncs.com)
  new ProviderSpec("dashscope", "dashscope.aliyuncs.com", 0, "/compatible-mode/v1", true, createCompatible),
  // platform.moonshot.cn/docs/api/chat
  new ProviderSpec("moonshot", "api.moonshot.cn", 0, "/v1", true, createCompatible),
  // api-docs.deepseek.com: POST https://api.deepseek.com/chat/completions
  new ProviderSpec("deepseek", "api.deepseek.com", 0, "", true, createCompatible),
  // docs.mistral.ai/api
  new ProviderSpec("mistral", "api.mistral.ai", 0, "/v1", true, createCompatible),
  // console.groq.com/docs/openai
  new ProviderSpec("groq", "api.groq.com", 0, "/openai/v1", true, createCompatible),
  // docs.together.ai/docs/openai-api-compatibility
  new ProviderSpec("together", "api.together.xyz", 0, "/v1", true, createCompatible),
  // docs.fireworks.ai/tools-sdks/openai-compatibility
  new ProviderSpec("fireworks", "api.fireworks.ai", 0, "/inference/v1", true, createCompatible),
  // openrouter.ai/docs/api-reference
  new ProviderSpec("openrouter", "openrouter.ai", 0, "/api/v1", true, createCompatible),
  // docs.x.ai/docs/api-reference
  new ProviderSpec("xai", "api.x.ai", 0, "/v1", true, createCompatible),
  // github.com/ollama/ollama/blob/main/docs/openai.md — local, no key by default.
  new ProviderSpec("ollama", "localhost", 11434, "/v1", false, createCompatible),
  // docs.vllm.ai: OpenAI-compatible server, key only when started with --api-key.
  new ProviderSpec("vllm", "", 8000, "/v1", false, createCompatible),
  // Anything else that speaks the OpenAI API.
  new ProviderSpec("openai-compatible", "", 0, "/v1", false, createCompatible),
];

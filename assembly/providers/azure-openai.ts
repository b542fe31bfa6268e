// Azure OpenAI: https://learn.microsoft.com/azure/ai-services/openai/reference — the deployment is
// part of the path, the API version is a query parameter and the key goes in an `api-key` header.
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../config/diagnostics";
import { optionalString } from "../config/fields";
import { Operation, operationPath, Provider, ProviderSpec } from "./provider";
import { OpenAIProvider } from "./openai";

/** The GA data-plane API version used when none is configured. */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

export class AzureOpenAIProvider extends OpenAIProvider {
  /** Fixed deployment; when null the backend's fixed model names it (Azure's usual practice). */
  deployment: string | null = null;
  apiVersion: string = AZURE_DEFAULT_API_VERSION;

  extraFields(): string[] { return ["deployment", "apiVersion"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    this.deployment = optionalString(obj, "deployment", path, d);
    const version = optionalString(obj, "apiVersion", path, d);
    if (version !== null) this.apiVersion = version;
  }

  /** "v1" is Azure's versionless API: /openai/v1/..., model in the body, no deployment in the path. */
  private usesV1(): bool { return this.apiVersion == "v1"; }

  checkBackend(fixedModel: string | null, path: string, d: Diagnostics): void {
    // The path is set with the request headers, before the body (and the client's model) is read.
    if (!this.usesV1() && this.deployment === null && fixedModel === null) {
      d.error(path + ".model", "is required for azure-openai provider \"" + this.name + "\" unless it sets deployment or apiVersion \"v1\" (the deployment goes in the path)");
    }
  }

  /** Azure serves the Responses API on its versionless v1 API; deployment-style configs get chat. */
  servesNatively(op: Operation): bool { return op == Operation.Responses && this.usesV1(); }

  /** prompt_cache_key came after the dated API versions llm-mesh defaults to: sent on the v1 API only. */
  takesPromptCacheKey(): bool { return this.usesV1(); }

  upstreamPath(op: Operation, fixedModel: string | null): string {
    if (this.usesV1()) return this.basePath + "/v1" + (this.servesNatively(op) ? "/responses" : operationPath(op));
    const deployment = this.deployment !== null ? this.deployment! : (fixedModel !== null ? fixedModel : "");
    return this.basePath + "/deployments/" + encodeURIComponent(deployment) + operationPath(op) +
      "?api-version=" + encodeURIComponent(this.apiVersion);
  }

  authHeaderName(): string { return "api-key"; }
  authHeaderValue(key: string): string { return key; }
}

function createAzure(spec: ProviderSpec): Provider { return new AzureOpenAIProvider(spec); }

// No default host: every Azure resource has its own, {resource}.openai.azure.com.
export const AZURE_OPENAI_SPEC = new ProviderSpec("azure-openai", "", 0, "/openai", true, createAzure);

// Azure OpenAI: https://learn.microsoft.com/azure/ai-services/openai/reference — the deployment is
// part of the path, the API version is a query parameter and the key goes in an `api-key` header,
// or a Microsoft Entra token from the VM's managed identity (IMDS) as Authorization: Bearer.
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { optionalBool, optionalString } from "../fields/read";
import { Provider, ProviderSpec } from "./provider";
import { Operation, operationPath } from "../api";
import { OpenAIProvider } from "./openai";
import { MetadataBearerToken, TokenRequest } from "./platform-token";

/** The GA data-plane API version used when none is configured. */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

/** The cluster llm-mesh emits for Azure's instance metadata service (169.254.169.254). */
export const DEFAULT_AZURE_METADATA_CLUSTER = "outbound|80||metadata.azure.internal";
/** The audience of Azure OpenAI's Entra tokens. */
const COGNITIVE_SERVICES = "https%3A%2F%2Fcognitiveservices.azure.com%2F";

export class AzureOpenAIProvider extends OpenAIProvider {
  /** Fixed deployment; when null the backend's fixed model names it (Azure's usual practice). */
  deployment: string | null = null;
  apiVersion: string = AZURE_DEFAULT_API_VERSION;

  extraFields(): string[] { return ["deployment", "apiVersion", "tokenFromMetadataServer", "managedIdentityClientId", "metadataCluster"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    this.deployment = optionalString(obj, "deployment", path, d);
    const version = optionalString(obj, "apiVersion", path, d);
    if (version !== null) this.apiVersion = version;
    const clientId = optionalString(obj, "managedIdentityClientId", path, d);
    const cluster = optionalString(obj, "metadataCluster", path, d);
    if (!optionalBool(obj, "tokenFromMetadataServer", path, d, false)) {
      if (clientId !== null) d.error(path + ".managedIdentityClientId", "needs tokenFromMetadataServer: true");
      if (cluster !== null) d.error(path + ".metadataCluster", "needs tokenFromMetadataServer: true");
      return;
    }
    if (clientId !== null && !isClientId(clientId!)) d.error(path + ".managedIdentityClientId", "must be the client id (a GUID) of a user-assigned managed identity");
    const c = cluster !== null ? cluster! : DEFAULT_AZURE_METADATA_CLUSTER;
    // https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token
    const query = "?api-version=2018-02-01&resource=" + COGNITIVE_SERVICES + (clientId !== null ? "&client_id=" + clientId! : "");
    this.token = new MetadataBearerToken(c, new TokenRequest(c, "/metadata/identity/oauth2/token" + query, "169.254.169.254", ["metadata"], ["true"]), "the managed identity endpoint");
  }

  loadCredentials(env: Map<string, string>, path: string, d: Diagnostics): void {
    if (this.token !== null && this.keys.length > 0) d.error(path + ".apiKeys", "cannot be given with tokenFromMetadataServer: true (the token comes from the managed identity endpoint)");
    if (this.token === null && this.keys.length == 0 && this.usable) d.error(path + ".apiKeys", "is required for type azure-openai unless tokenFromMetadataServer is true (give [{\"env\": \"AZURE_OPENAI_API_KEY\"}])");
  }

  sharedCredentialKey(): string | null { return this.token !== null ? "llm-mesh.credential.azure-openai." + this.name + "." + this.token!.request.path : null; }

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

  authHeaderName(): string { return this.token !== null ? "authorization" : "api-key"; }
  authHeaderValue(key: string): string { return this.token !== null ? "Bearer " + key : key; }
}

/** A GUID: hex digits and '-', 36 characters. */
function isClientId(v: string): bool {
  if (v.length != 36) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c == 0x2d)) return false;
  }
  return true;
}

export function createAzure(spec: ProviderSpec): Provider { return new AzureOpenAIProvider(spec); }

// Google Cloud Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest):
// Gemini models on publishers/google (generateContent, streamGenerateContent?alt=sse: Gemini's
// body, translate/openai-to-gemini.ts) and Claude models on publishers/anthropic (rawPredict,
// streamRawPredict: Anthropic's Messages body with the model in the path and
// "anthropic_version": "vertex-2023-10-16" in the body), at
// {region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/…. The key is an
// OAuth access token (apiKeys, e.g. from the environment), sent as Authorization: Bearer.
// The path names the model and the streaming choice: this provider needs requestMode "body".
import { JsonValue } from "../json/parse";
import { gkeAccessToken, gkeMetadataCluster } from "./platform-token";
import { Diagnostics } from "../fields/diagnostics";
import { optionalString } from "../fields/read";
import { Edit, applyEdits } from "../json/splice";
import { scanTopLevel } from "../json/scan";
import { GeminiProvider } from "./gemini";
import { Provider, ProviderSpec } from "./provider";
import { Operation, WireApi } from "../api";

/** The Anthropic API version Vertex AI takes in the body. */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";
const BODY_KEYS: StaticArray<ArrayBuffer> = [String.UTF8.encode("model"), String.UTF8.encode("anthropic_version")];


export class VertexAIProvider extends GeminiProvider {
  project: string = "";
  region: string = "";
  /** The Envoy cluster of the metadata server, when the token comes from it (GKE Workload Identity). */
  metadataCluster: string | null = null;

  extraFields(): string[] { return ["project", "region", "tokenFromMetadataServer", "metadataCluster"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    this.metadataCluster = gkeMetadataCluster(obj, path, d);
    if (this.metadataCluster !== null) this.token = gkeAccessToken(this.metadataCluster!);
    const project = optionalString(obj, "project", path, d);
    const region = optionalString(obj, "region", path, d);
    if (project === null || !isIdentifier(project!)) d.error(path + ".project", "is required for type vertex-ai: the Google Cloud project id (letters, digits and '-')");
    else this.project = project!;
    if (region === null || !isIdentifier(region!)) d.error(path + ".region", "is required for type vertex-ai: a Vertex AI location such as us-central1, or global");
    else this.region = region!;
  }

  defaultHost(): string {
    if (this.region.length == 0) return "";
    return this.region == "global" ? "aiplatform.googleapis.com" : this.region + "-aiplatform.googleapis.com";
  }

  loadCredentials(env: Map<string, string>, path: string, d: Diagnostics): void {
    if (this.metadataCluster !== null && this.keys.length > 0) d.error(path + ".apiKeys", "cannot be given with tokenFromMetadataServer: true (the token comes from the metadata server)");
    if (this.metadataCluster === null && this.keys.length == 0 && this.usable) d.error(path + ".apiKeys", "is required for type vertex-ai unless tokenFromMetadataServer is true (give [{\"env\": \"VERTEX_ACCESS_TOKEN\"}])");
  }

  sharedCredentialKey(): string | null { return this.token !== null ? "llm-mesh.credential.vertex-ai." + this.name + "." + this.metadataCluster! : null; }

  /** Claude models are served by Anthropic's publisher with Anthropic's API; the rest are Gemini. */
  apiFor(model: string): WireApi { return model.startsWith("claude") ? WireApi.Anthropic : WireApi.Gemini; }

  supports(op: Operation): bool {
    return op == Operation.ChatCompletions || op == Operation.Messages || op == Operation.Responses || op == Operation.GeminiGenerate || op == Operation.GeminiStream;
  }

  /** One path segment: letters, digits, '.', '_', '-' and '@' (Claude's versions: claude-sonnet-4-5@20250929). */
  refuseModel(model: string): string | null {
    if (model.length == 0 || model == "." || model == "..") return "model must name a Vertex AI model";
    for (let i = 0; i < model.length; i++) {
      const c = model.charCodeAt(i);
      const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x5f || c == 0x2d || c == 0x40;
      if (!ok) return "model must be a Vertex AI model id (letters, digits, '.', '_', '-' and '@')";
    }
    return null;
  }

  authHeaderName(): string { return "authorization"; }
  authHeaderValue(key: string): string { return "Bearer " + key; }

  bodyTimePath(op: Operation, model: string, stream: bool): string {
    // A Gemini client's body has no stream flag: its method says.
    if (op == Operation.GeminiStream) stream = true;
    const base = "/v1/projects/" + this.project + "/locations/" + this.region + "/publishers/";
    if (this.apiFor(model) == WireApi.Anthropic) return base + "anthropic/models/" + model + (stream ? ":streamRawPredict" : ":rawPredict");
    return base + "google/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }

  /** Anthropic on Vertex: no model in the body (it is in the path), and Vertex's anthropic_version. */
  finishBody(body: ArrayBuffer, model: string): ArrayBuffer | null {
    if (this.apiFor(model) != WireApi.Anthropic) return null;
    const base = changetype<usize>(body);
    const scan = scanTopLevel(base, body.byteLength, BODY_KEYS);
    if (scan.error !== null) return null;
    const edits = new Array<Edit>();
    const modelSpan = scan.spans[0];
    let members = scan.memberCount;
    if (modelSpan.count == 1) { edits.push(new Edit(modelSpan.removeStart, modelSpan.removeEnd, new ArrayBuffer(0))); members--; }
    const version = scan.spans[1];
    const value = String.UTF8.encode("\"" + VERTEX_ANTHROPIC_VERSION + "\"");
    if (version.count == 1) edits.push(new Edit(version.start, version.end, value));
    else edits.push(new Edit(scan.closeBrace, scan.closeBrace, String.UTF8.encode((members > 0 ? "," : "") + "\"anthropic_version\":\"" + VERTEX_ANTHROPIC_VERSION + "\"")));
    return applyEdits(base, body.byteLength, edits);
  }
}

function isIdentifier(v: string): bool {
  if (v.length == 0 || v.length > 64) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d)) return false;
  }
  return true;
}

export function createVertex(spec: ProviderSpec): Provider { return new VertexAIProvider(spec); }

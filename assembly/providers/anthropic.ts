// Anthropic: https://docs.anthropic.com/en/api/messages — the Messages API at /v1/messages, the
// key in x-api-key, the API version in anthropic-version. OpenAI clients are translated
// (translate/openai-to-anthropic.ts); Anthropic clients pass through as they wrote the request.
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { optionalString } from "../fields/read";
import { HeaderSnapshot } from "../headers";
import { H_ANTHROPIC_VERSION, Provider, ProviderSpec } from "./provider";
import { Operation, WireApi } from "../api";

/** The one version of the Messages API (https://docs.anthropic.com/en/api/versioning). */
export const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";

export class AnthropicProvider extends Provider {
  version: string = ANTHROPIC_DEFAULT_VERSION;
  private versionBytes: ArrayBuffer = String.UTF8.encode(ANTHROPIC_DEFAULT_VERSION);

  api(): WireApi { return WireApi.Anthropic; }

  supports(op: Operation): bool {
    return op == Operation.ChatCompletions || op == Operation.Messages || op == Operation.CountTokens || op == Operation.Responses ||
      op == Operation.GeminiGenerate || op == Operation.GeminiStream || op == Operation.GeminiCountTokens;
  }

  extraFields(): string[] { return ["version"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    const version = optionalString(obj, "version", path, d);
    if (version === null) return;
    // It is sent as a header value: only the date-shaped versions Anthropic publishes.
    if (!isVersion(version!)) { d.error(path + ".version", "must be an anthropic-version date such as " + ANTHROPIC_DEFAULT_VERSION); return; }
    this.version = version!;
    this.versionBytes = String.UTF8.encode(version!);
  }

  upstreamPath(op: Operation, fixedModel: string | null): string {
    if (op == Operation.CountTokens || op == Operation.GeminiCountTokens) return this.basePath + "/messages/count_tokens";
    return this.basePath + "/messages";
  }

  authHeaderName(): string { return "x-api-key"; }
  authHeaderValue(key: string): string { return key; }

  /** An Anthropic client's own anthropic-version and anthropic-beta pass; others get the configured version. */
  writeApiHeaders(headers: HeaderSnapshot, clientApi: WireApi): void {
    if (clientApi == WireApi.Anthropic && headers.indexOf(H_ANTHROPIC_VERSION) >= 0) return;
    headers.set(H_ANTHROPIC_VERSION, this.versionBytes);
  }
}

function isVersion(v: string): bool {
  if (v.length != 10 || v.charCodeAt(4) != 0x2d || v.charCodeAt(7) != 0x2d) return false;
  for (let i = 0; i < 10; i++) {
    const c = v.charCodeAt(i);
    if (i != 4 && i != 7 && (c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

export function createAnthropic(spec: ProviderSpec): Provider { return new AnthropicProvider(spec); }


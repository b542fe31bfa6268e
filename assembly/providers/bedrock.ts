// Amazon Bedrock's Converse API (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
// POST /model/{modelId}/converse or /converse-stream on bedrock-runtime.{region}.amazonaws.com,
// every request signed with AWS Signature Version 4 (crypto/sigv4.ts) from the VM's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN. OpenAI clients are
// translated (translate/openai-to-bedrock.ts). The path names the model and the streaming choice,
// and the signature covers the body: this provider needs requestMode "body".
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../config/diagnostics";
import { optionalString } from "../config/fields";
import { HeaderSnapshot } from "../headers";
import { nowSeconds } from "../host";
import { SigV4Signer, amzDate, uriEncode } from "../crypto/sigv4";
import { Sha256, toHex } from "../crypto/sha256";
import { WireApi } from "../translate/translator";
import { Operation, Provider, ProviderSpec } from "./provider";

const H_AUTHORIZATION = String.UTF8.encode("authorization");
const H_AMZ_DATE = String.UTF8.encode("x-amz-date");
const H_AMZ_TOKEN = String.UTF8.encode("x-amz-security-token");

export class BedrockProvider extends Provider {
  region: string = "";
  private signer: SigV4Signer | null = null;
  private sessionToken: string | null = null;
  private sessionTokenBytes: ArrayBuffer = new ArrayBuffer(0);

  api(): WireApi { return WireApi.Bedrock; }

  supports(op: Operation): bool { return op == Operation.ChatCompletions || op == Operation.Responses || op == Operation.Messages || op == Operation.GeminiGenerate || op == Operation.GeminiStream; }

  pathFromBody(): bool { return true; }

  extraFields(): string[] { return ["region"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    const region = optionalString(obj, "region", path, d);
    if (region === null) { d.error(path + ".region", "is required for type bedrock (e.g. us-east-1)"); return; }
    if (!isRegion(region!)) { d.error(path + ".region", "must be an AWS region such as us-east-1"); return; }
    this.region = region!;
  }

  defaultHost(): string { return this.region.length > 0 ? "bedrock-runtime." + this.region + ".amazonaws.com" : ""; }

  loadCredentials(env: Map<string, string>, path: string, d: Diagnostics): void {
    const id = env.has("AWS_ACCESS_KEY_ID") ? env.get("AWS_ACCESS_KEY_ID") : "";
    const secret = env.has("AWS_SECRET_ACCESS_KEY") ? env.get("AWS_SECRET_ACCESS_KEY") : "";
    if (id.length == 0 || secret.length == 0) {
      this.usable = false;
      d.warn(path, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set in the VM (vm_config.environment_variables / vmConfig.env); provider \"" + this.name + "\" is unusable and its routes answer 503");
      return;
    }
    this.signer = new SigV4Signer(id, secret, this.region, "bedrock");
    // Kept with the keys so that provider errors are redacted of them, like any key.
    this.keys.push(secret);
    if (env.has("AWS_SESSION_TOKEN") && env.get("AWS_SESSION_TOKEN").length > 0) {
      this.sessionToken = env.get("AWS_SESSION_TOKEN");
      this.sessionTokenBytes = String.UTF8.encode(this.sessionToken!);
      this.keys.push(this.sessionToken!);
    }
  }

  /** No static auth header: sign() writes the request's own. */
  nextAuthValue(): ArrayBuffer | null { return null; }
  keyCount(): i32 { return 0; }

  /** The model is one path segment; "." and ".." would walk the path. */
  refuseModel(model: string): string | null {
    return model == "." || model == ".." ? "model must name a Bedrock model or inference profile" : null;
  }

  upstreamPath(op: Operation, fixedModel: string | null): string {
    return "/model/" + uriEncode(fixedModel !== null ? fixedModel! : "-", true) + "/converse";
  }

  bodyTimePath(op: Operation, model: string, stream: bool): string {
    return "/model/" + uriEncode(model, true) + (stream ? "/converse-stream" : "/converse");
  }

  sign(headers: HeaderSnapshot, pathBytes: ArrayBuffer, body: ArrayBuffer): void {
    if (this.signer === null) return;
    const path = String.UTF8.decode(pathBytes);
    const date = amzDate(nowSeconds());
    headers.set(H_AMZ_DATE, String.UTF8.encode(date));
    const names = ["content-type", "host", "x-amz-date"];
    const values = ["application/json", this.authority, date];
    if (this.sessionToken !== null) {
      headers.set(H_AMZ_TOKEN, this.sessionTokenBytes);
      names.push("x-amz-security-token");
      values.push(this.sessionToken!);
    }
    const payloadHash = toHex(new Sha256().updateBuffer(body).digest());
    // The canonical URI encodes the (already encoded) path once more, as for every service but S3.
    const auth = this.signer!.authorization("POST", uriEncode(path, false), "", names, values, payloadHash, date);
    headers.set(H_AUTHORIZATION, String.UTF8.encode(auth));
  }
}

function isRegion(r: string): bool {
  if (r.length < 4 || r.length > 32) return false;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d)) return false;
  }
  return true;
}

function createBedrock(spec: ProviderSpec): Provider { return new BedrockProvider(spec); }

export const BEDROCK_SPEC = new ProviderSpec("bedrock", "", 0, "", false, createBedrock);

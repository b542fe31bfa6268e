// Amazon Bedrock's Converse API (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
// POST /model/{modelId}/converse or /converse-stream on bedrock-runtime.{region}.amazonaws.com,
// authenticated one of four ways (docs/credentials.md): signed with AWS Signature Version 4
// (crypto/sigv4.ts) from the VM's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional
// AWS_SESSION_TOKEN (the default), or from the instance role's keys (awsCredentials:
// "instanceMetadata", aws-instance-role.ts); a Bedrock API key as a bearer token (apiKeys); or
// signed by Envoy's aws_request_signing filter on the provider's cluster (awsCredentials: "envoy",
// for IRSA and EKS Pod Identity, whose token files a Wasm VM cannot read). OpenAI clients are
// translated (translate/openai-to-bedrock.ts). The path names the model and the streaming choice,
// and the signature covers the body: this provider needs requestMode "body".
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { optionalString } from "../fields/read";
import { HeaderSnapshot } from "../headers";
import { nowSeconds } from "../host";
import { SigV4Signer, amzDate, uriEncode } from "../crypto/sigv4";
import { Sha256, toHex } from "../crypto/sha256";
import { Provider, ProviderSpec } from "./provider";
import { TokenRequest } from "./platform-token";
import { Operation, WireApi } from "../api";
import { DEFAULT_IMDS_CLUSTER, InstanceRoleCredentials } from "./aws-instance-role";
import { nowSeconds as clockSeconds } from "../host";

const H_AUTHORIZATION = String.UTF8.encode("authorization");
const H_AMZ_DATE = String.UTF8.encode("x-amz-date");
const H_AMZ_TOKEN = String.UTF8.encode("x-amz-security-token");

/** Where a Bedrock provider's credentials come from. */
export enum AwsCredentials { Environment, ApiKey, InstanceMetadata, Envoy }

export class BedrockProvider extends Provider {
  region: string = "";
  credentials: AwsCredentials = AwsCredentials.Environment;
  private signer: SigV4Signer | null = null;
  private sessionToken: string | null = null;
  private sessionTokenBytes: ArrayBuffer = new ArrayBuffer(0);
  private instanceRole: InstanceRoleCredentials | null = null;
  /** awsCredentials was given (even "environment"): apiKeys cannot be. */
  private sourceGiven: bool = false;

  api(): WireApi { return WireApi.Bedrock; }

  supports(op: Operation): bool { return op == Operation.ChatCompletions || op == Operation.Responses || op == Operation.Messages || op == Operation.GeminiGenerate || op == Operation.GeminiStream; }

  pathFromBody(): bool { return true; }

  extraFields(): string[] { return ["region", "awsCredentials", "metadataCluster"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    const source = optionalString(obj, "awsCredentials", path, d);
    const cluster = optionalString(obj, "metadataCluster", path, d);
    if (source !== null) {
      this.sourceGiven = true;
      if (source! == "instanceMetadata") this.credentials = AwsCredentials.InstanceMetadata;
      else if (source! == "envoy") this.credentials = AwsCredentials.Envoy;
      else if (source! != "environment") d.error(path + ".awsCredentials", "unknown value (accepted: environment, instanceMetadata, envoy)");
    }
    if (this.credentials == AwsCredentials.InstanceMetadata) this.instanceRole = new InstanceRoleCredentials(cluster !== null ? cluster! : DEFAULT_IMDS_CLUSTER);
    else if (cluster !== null) d.error(path + ".metadataCluster", "needs awsCredentials: \"instanceMetadata\"");
    const region = optionalString(obj, "region", path, d);
    if (region === null) { d.error(path + ".region", "is required for type bedrock (e.g. us-east-1)"); return; }
    if (!isRegion(region!)) { d.error(path + ".region", "must be an AWS region such as us-east-1"); return; }
    this.region = region!;
  }

  defaultHost(): string { return this.region.length > 0 ? "bedrock-runtime." + this.region + ".amazonaws.com" : ""; }

  loadCredentials(env: Map<string, string>, path: string, d: Diagnostics): void {
    if (this.keys.length > 0 || !this.usable) {
      // Bedrock API keys: sent as a bearer token, instead of a signature.
      if (this.sourceGiven) d.error(path + ".apiKeys", "cannot be given with awsCredentials (a Bedrock API key replaces the signature)");
      this.credentials = AwsCredentials.ApiKey;
      return;
    }
    if (this.credentials != AwsCredentials.Environment) return;
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

  /** An API key is a bearer token; otherwise no static auth header: sign() writes the request's own (or Envoy does). */
  nextAuthValue(): ArrayBuffer | null { return this.credentials == AwsCredentials.ApiKey ? super.nextAuthValue() : null; }
  keyCount(): i32 { return this.credentials == AwsCredentials.ApiKey ? super.keyCount() : 0; }

  needsToken(nowSeconds: i64): bool { return this.instanceRole !== null && this.instanceRole!.schedule.due(nowSeconds); }
  tokenRequest(nowSeconds: i64): TokenRequest | null { return this.instanceRole !== null ? this.instanceRole!.next(nowSeconds) : null; }

  acceptToken(status: string, body: ArrayBuffer | null, nowSeconds: i64): string | null {
    const role = this.instanceRole!;
    const had = role.schedule.expiresAt;
    const problem = role.accept(status, body, nowSeconds, this.name);
    if (problem === null && role.schedule.expiresAt != had) this.useInstanceRole();
    return problem;
  }

  /** Signs with the instance role's current keys; they are kept as keys too, so provider errors are redacted of them. */
  private useInstanceRole(): void {
    const role = this.instanceRole!;
    this.signer = new SigV4Signer(role.accessKeyId, role.secretAccessKey, this.region, "bedrock");
    this.sessionToken = role.sessionToken;
    this.sessionTokenBytes = String.UTF8.encode(role.sessionToken);
    this.keys = [role.secretAccessKey, role.sessionToken];
  }

  credentialProblem(): string | null {
    if (this.instanceRole === null) return null;
    const role = this.instanceRole!;
    if (role.accessKeyId.length == 0) return "provider \"" + this.name + "\" has no AWS credentials from the instance metadata service yet (cluster " + role.cluster + ")";
    if (clockSeconds() >= role.schedule.expiresAt) return "provider \"" + this.name + "\"'s AWS credentials expired and the instance metadata service gave no new ones";
    return null;
  }

  sharedCredentialKey(): string | null { return this.instanceRole !== null ? "llm-mesh.credential.bedrock." + this.name + "." + this.instanceRole!.cluster : null; }
  credentialSnapshot(): string { return this.instanceRole !== null ? this.instanceRole!.snapshot() : ""; }
  adoptCredential(snapshot: string, nowSeconds: i64): void {
    if (this.instanceRole !== null && this.instanceRole!.adopt(snapshot, nowSeconds)) this.useInstanceRole();
  }

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

export function createBedrock(spec: ProviderSpec): Provider { return new BedrockProvider(spec); }


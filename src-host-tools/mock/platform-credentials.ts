// Stand-ins for the credential endpoints of cloud platforms, answering and refusing as the real
// ones do (docs/credentials.md):
// - EC2's instance metadata service, IMDSv2 only
//   (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
//   PUT /latest/api/token with x-aws-ec2-metadata-token-ttl-seconds (1..21600) gives a session
//   token; every GET needs it in x-aws-ec2-metadata-token (401 without, or once it expired); a PUT
//   with X-Forwarded-For is refused (403), as IMDS refuses proxied token requests.
// - EKS Pod Identity's container credentials endpoint (the path in
//   AWS_CONTAINER_CREDENTIALS_FULL_URI; the Authorization header must hold the token from
//   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
// - Azure's managed identity endpoint (IMDS): GET /metadata/identity/oauth2/token with
//   `Metadata: true`, api-version and resource; a client_id must name a known identity; requests
//   with X-Forwarded-For are refused.
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import type { AwsCredentials } from "./provider-config.js";

export interface TemporaryCredentials extends AwsCredentials { sessionToken: string; expiration: Date }

export interface CredentialCall { method: string; url: string; headers: IncomingMessage["headers"]; status: number; atMs: number }

export interface MockCredentialServer {
  port: number;
  calls: CredentialCall[];
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => number): Promise<MockCredentialServer> {
  const calls: CredentialCall[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => { calls.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, status: handler(req, res), atMs: Date.now() }); });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain"): number {
  res.writeHead(status, { "content-type": type });
  res.end(body);
  return status;
}

const awsJson = (c: TemporaryCredentials) => JSON.stringify({
  AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken,
  Expiration: c.expiration.toISOString().replace(/\.\d{3}Z$/, "Z"),
});

/** IMDSv2 with one instance role; `credentials()` is asked on every credentials GET (tests rotate them). */
export async function startMockImds(role: string, credentials: () => TemporaryCredentials, now: () => number = Date.now): Promise<MockCredentialServer & { expireSessionTokens(): void }> {
  const sessions = new Map<string, number>();
  const server = await serve((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/latest/api/token") {
      if (req.method !== "PUT") return send(res, 405, "");
      if (req.headers["x-forwarded-for"] !== undefined) return send(res, 403, "");
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return send(res, 400, "");
      const token = randomBytes(36).toString("base64");
      sessions.set(token, now() + ttl * 1000);
      return send(res, 200, token);
    }
    if (req.method !== "GET") return send(res, 405, "");
    const token = req.headers["x-aws-ec2-metadata-token"];
    const until = typeof token === "string" ? sessions.get(token) : undefined;
    if (until === undefined || until <= now()) return send(res, 401, "");
    if (path === "/latest/meta-data/iam/security-credentials/") return send(res, 200, role);
    if (path === `/latest/meta-data/iam/security-credentials/${role}`) {
      const c = credentials();
      return send(res, 200, JSON.stringify({ Code: "Success", LastUpdated: new Date(now()).toISOString(), Type: "AWS-HMAC", ...JSON.parse(awsJson(c)) }), "text/plain");
    }
    return send(res, 404, "");
  });
  return { ...server, expireSessionTokens: () => sessions.clear() };
}

/** EKS Pod Identity's agent: credentials for the token the pod's file holds. */
export async function startMockPodIdentityAgent(authorizationToken: string, credentials: () => TemporaryCredentials): Promise<MockCredentialServer> {
  return serve((req, res) => {
    if (req.method !== "GET" || req.url !== "/v1/credentials") return send(res, 404, "");
    if (req.headers.authorization !== authorizationToken) return send(res, 400, JSON.stringify({ Message: "Invalid authorization token" }), "application/json");
    return send(res, 200, awsJson(credentials()), "application/json");
  });
}

export interface EntraToken { token: string; expiresInSeconds: number }

/** Azure's managed identity endpoint for Azure OpenAI's audience; `clientIds`: the user-assigned identities it knows. */
export async function startMockAzureIdentity(issue: (clientId: string | null) => EntraToken, clientIds: string[] = []): Promise<MockCredentialServer> {
  return serve((req, res) => {
    const url = new URL(req.url ?? "/", "http://169.254.169.254");
    const error = (status: number, code: string, description: string) => send(res, status, JSON.stringify({ error: code, error_description: description }), "application/json");
    if (req.headers["x-forwarded-for"] !== undefined) return error(400, "invalid_request", "Request contains X-Forwarded-For header");
    if (url.pathname !== "/metadata/identity/oauth2/token") return send(res, 404, "");
    if (req.method !== "GET") return error(405, "invalid_request", "Method not allowed");
    if (req.headers.metadata !== "true") return error(400, "invalid_request", "Required metadata header not specified");
    if (!url.searchParams.get("api-version")) return error(400, "invalid_request", "Required query variable 'api-version' is missing");
    if (url.searchParams.get("resource") !== "https://cognitiveservices.azure.com/") return error(400, "invalid_resource", "AADSTS500011: The resource principal was not found");
    const clientId = url.searchParams.get("client_id");
    if (clientId !== null && !clientIds.includes(clientId)) return error(400, "invalid_request", "Identity not found");
    const t = issue(clientId);
    const now = Math.floor(Date.now() / 1000);
    return send(res, 200, JSON.stringify({
      access_token: t.token, refresh_token: "", expires_in: String(t.expiresInSeconds), expires_on: String(now + t.expiresInSeconds),
      not_before: String(now), resource: "https://cognitiveservices.azure.com/", token_type: "Bearer",
    }), "application/json");
  });
}

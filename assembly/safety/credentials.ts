// What a client must never pass to a provider: its own credentials, and headers that pick whose
// account is billed. All are removed before the provider's key is added; a provider may opt the
// billing selectors back in (`allowClientHeaders`) or set them itself (`headers`).

/** Credential headers: removed always, never opted back in. */
export const CREDENTIAL_HEADERS: string[] = [
  "authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "x-auth-token",
  "cookie", "x-amz-security-token", "ocp-apim-subscription-key",
];

/** Headers that select an account, organisation or project to bill: removed unless a provider opts in. */
export const BILLING_HEADERS: string[] = ["openai-organization", "openai-project", "x-goog-user-project"];

/** Top-level body fields some clients put a key in; removed from every request body. */
export const CREDENTIAL_BODY_FIELDS: string[] = ["api_key"];

/** True when a provider may opt this client header back in. */
export function isBillingHeader(name: string): bool { return BILLING_HEADERS.includes(name); }

/** True for headers no config may set or pass: credentials, framing and routing headers. */
export function isReservedHeader(name: string): bool {
  return CREDENTIAL_HEADERS.includes(name) || name.startsWith(":") || name == "host" ||
    name == "content-length" || name == "transfer-encoding" || name == "content-type" || name.startsWith("x-envoy-");
}

// What one mock provider is told: its endpoint, and the keys and AWS credentials it accepts. The
// vendor mocks (openai.ts, anthropic.ts, …) read it; providers.ts serves them all from one port.
import type { ProviderEndpointConfig } from "../providers.js";

/** Temporary or long-term AWS credentials the mock's Bedrock accepts. */
export interface AwsCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface MockProviderConfig extends ProviderEndpointConfig {
  /** Keys the provider accepts; when absent any non-empty key is accepted. */
  acceptedKeys?: string[];
  apiVersion?: string;
  /** bedrock: the AWS credentials whose signatures it accepts (default MOCK_AWS_CREDENTIALS); acceptedKeys are its API keys. */
  acceptedAwsCredentials?: AwsCredentials[];
}

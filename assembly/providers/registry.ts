// The one place provider types are known. An unknown type is a config error naming the accepted ones.
import { ProviderSpec } from "./provider";
import { OPENAI_SPEC } from "./openai";
import { AZURE_OPENAI_SPEC } from "./azure-openai";
import { COMPATIBLE_SPECS } from "./compatible";
import { ANTHROPIC_SPEC } from "./anthropic";
import { GEMINI_SPEC } from "./gemini";
import { BEDROCK_SPEC } from "./bedrock";
import { VERTEX_AI_SPEC } from "./vertex-ai";

const specs = new Map<string, ProviderSpec>();
const typeNames: string[] = [];

function register(spec: ProviderSpec): void {
  specs.set(spec.type, spec);
  typeNames.push(spec.type);
}

register(OPENAI_SPEC);
register(AZURE_OPENAI_SPEC);
register(ANTHROPIC_SPEC);
register(GEMINI_SPEC);
register(BEDROCK_SPEC);
register(VERTEX_AI_SPEC);
for (let i = 0; i < COMPATIBLE_SPECS.length; i++) register(COMPATIBLE_SPECS[i]);

/** The spec for a type name, or null. */
export function findProviderSpec(type: string): ProviderSpec | null {
  return specs.has(type) ? specs.get(type) : null;
}

/** Every accepted type name, in registration order. */
export function providerTypeNames(): string[] { return typeNames; }

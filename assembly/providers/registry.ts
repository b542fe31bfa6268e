// The one place provider types are known: the rows of catalog.ts, each served by its family's class.
// An unknown type is a config error naming the accepted ones.
import { Provider, ProviderSpec } from "./provider";
import { PROVIDER_ROWS } from "./catalog";
import { createOpenAI } from "./openai";
import { createAzure } from "./azure-openai";
import { createCompatible } from "./compatible";
import { createAnthropic } from "./anthropic";
import { createGemini } from "./gemini";
import { createBedrock } from "./bedrock";
import { createVertex } from "./vertex-ai";
import { createMcp } from "./mcp";

const specs = new Map<string, ProviderSpec>();
const typeNames: string[] = [];

/** The class that serves a family of catalog.ts (the toolchain's providers.ts knows the same families). */
function factory(family: string): (spec: ProviderSpec) => Provider {
  if (family == "openai") return createOpenAI;
  if (family == "azure-openai") return createAzure;
  if (family == "anthropic") return createAnthropic;
  if (family == "gemini") return createGemini;
  if (family == "bedrock") return createBedrock;
  if (family == "vertex-ai") return createVertex;
  if (family == "mcp") return createMcp;
  return createCompatible;
}

for (let i = 0; i < PROVIDER_ROWS.length; i++) {
  const row = PROVIDER_ROWS[i];
  specs.set(row.type, new ProviderSpec(row.type, row.host, row.port, row.basePath, row.keyRequired, factory(row.family)));
  typeNames.push(row.type);
}

/** The spec for a type name, or null. */
export function findProviderSpec(type: string): ProviderSpec | null {
  return specs.has(type) ? specs.get(type) : null;
}

/** Every accepted type name, in the catalog's order. */
export function providerTypeNames(): string[] { return typeNames; }

// `llm-mesh schema`: write the JSON Schema for editor completion (schema/llm-mesh-config.schema.json).
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { jsonSchemaText } from "../config/schema.js";

export const SCHEMA_FILE = "schema/llm-mesh-config.schema.json";

export async function schema(options: { cwd: string; out?: string; log?: (line: string) => void }): Promise<string> {
  const path = resolve(options.cwd, options.out ?? SCHEMA_FILE);
  await writeFile(path, jsonSchemaText());
  (options.log ?? console.log)(`wrote ${path}`);
  return path;
}

// `llm-mesh consumer add NAME -c CONFIG`: issues a gateway key to a consumer. The key is printed
// once and never stored: the config gets only its salted hash (config/consumer-key.ts).
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import { UserError } from "../errors.js";
import { validateConfig, formatProblem } from "../config/validate.js";
import { newKey } from "../config/consumer-key.js";

export interface ConsumerAddOptions {
  cwd: string;
  config: string;
  name: string;
  /** Limit the consumer to these routes / models (when it is new). */
  routes?: string[];
  models?: string[];
  log?: (line: string) => void;
  /** Where the key goes (stdout by default): a test reads it here. */
  printKey?: (key: string) => void;
}

export async function consumerAdd(o: ConsumerAddOptions): Promise<void> {
  const log = o.log ?? console.error;
  const path = resolve(o.cwd, o.config);
  let text: string;
  try { text = await readFile(path, "utf8"); } catch { throw new UserError(`cannot read ${o.config}; give the plugin config with -c FILE`); }
  const json = /\.json$/i.test(path);
  // YAML keeps its comments and layout; JSON is rewritten with two-space indents.
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UserError(`${o.config} is not valid ${json ? "JSON" : "YAML"}: ${doc.errors[0].message}`);
  const config = doc.toJS() as Record<string, unknown>;
  if (typeof config !== "object" || config === null) throw new UserError(`${o.config} is not a plugin config object`);
  const consumers = (Array.isArray(config.consumers) ? config.consumers : []) as Record<string, unknown>[];
  const { key, stored } = newKey();
  const existing = consumers.findIndex((c) => c?.name === o.name);
  if (existing >= 0) {
    if (o.routes || o.models) throw new UserError(`consumer "${o.name}" exists: edit its routes and models in ${o.config}; consumer add only adds a key to it`);
    const keys = Array.isArray(consumers[existing].keys) ? consumers[existing].keys as unknown[] : [];
    doc.setIn(["consumers", existing, "keys"], [...keys, stored]);
  } else {
    const entry: Record<string, unknown> = { name: o.name, keys: [stored] };
    if (o.routes) entry.routes = o.routes;
    if (o.models) entry.models = o.models;
    if (consumers.length === 0) doc.set("consumers", [entry]);
    else doc.addIn(["consumers"], entry);
  }
  const updated = doc.toJS() as Record<string, unknown>;
  // Nothing is written unless the result is a valid config (an unknown route in --routes, say).
  const result = validateConfig(updated);
  if (result.errors.length > 0) throw new UserError(`the config would not be valid:\n${result.errors.map(formatProblem).join("\n")}`);
  await writeFile(path, json ? JSON.stringify(updated, null, 2) + "\n" : doc.toString());
  log(`${existing >= 0 ? "added a key to" : "added"} consumer "${o.name}" in ${o.config} (key id ${stored.id}; only its salted hash is stored)`);
  log("the key is printed once, below; give it to the consumer now, it cannot be shown again:");
  (o.printKey ?? ((k: string) => console.log(k)))(key);
  log(`next: deploy the config (llm-mesh manifests, or llm-mesh envoy -c ${o.config}); the consumer sends it as Authorization: Bearer <key> (OpenAI SDKs) or x-api-key (Anthropic SDKs)`);
}

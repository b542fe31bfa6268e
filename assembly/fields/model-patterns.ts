// Model patterns in config (exact names, `prefix*` globs, or `*`): the condition routes, consumers
// and quota rules put on the client's model, and their reader.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "./diagnostics";
import { childPath, indexPath, optionalArray } from "./read";
import { MODEL_NAME_RULE, isSafeModelName } from "../safety/safe-text";

/**
 * A condition on the client's model: exact names, `prefix*` globs, or `*` (any model given). A
 * request without a model matches no pattern. Only known after the body is read (body mode).
 */
export class ModelPatterns {
  exact: string[] = [];
  prefixes: string[] = [];
  any: bool = false;

  matches(model: string | null): bool {
    if (model === null) return false;
    if (this.any) return true;
    for (let i = 0; i < this.exact.length; i++) if (model == this.exact[i]) return true;
    for (let i = 0; i < this.prefixes.length; i++) if (model.startsWith(this.prefixes[i])) return true;
    return false;
  }
}

/** An optional list of model patterns (exact, prefix* or *) at `key`; null when absent. */
export function loadModelPatterns(v: JsonValue, key: string, path: string, d: Diagnostics): ModelPatterns | null {
  const models = optionalArray(v, key, path, d);
  if (models === null) return null;
  const patterns = new ModelPatterns();
  for (let j = 0; j < models.length; j++) {
    const text = models[j].kind == JsonKind.String ? models[j].text : "";
    if (text == "*") { patterns.any = true; continue; }
    const stem = text.endsWith("*") ? text.substring(0, text.length - 1) : text;
    if (stem.length == 0 || !isSafeModelName(stem)) { d.error(indexPath(childPath(path, key), j), "must be a model name, a prefix ending in '*', or '*' (" + MODEL_NAME_RULE + ")"); continue; }
    if (text.endsWith("*")) patterns.prefixes.push(stem); else patterns.exact.push(text);
  }
  return patterns;
}

// An AssemblyScript compiler transform (asconfig.json "transform"): functions binaryen must not
// inline, by name, so -O3 keeps one copy of each. The release build optimises for speed (shrinkLevel
// 0), which lets binaryen copy any function of up to 70 instructions into every caller; for code that
// runs once per config those copies cost bytes and buy nothing. Nothing a request runs is named here
// unless measured: `npm run bench:size -- --against <report before>` shows what a rule saves and
// `npx tsx src-host-tools/bench/compare-micro.ts before.wasm after.wasm` that the hot path kept its
// speed (docs/benchmarks.md, "Module size"). Measured and left out: the JSON writer's methods
// (`assembly/json/writer/JsonWriter#*`, 29 KB, copied into about 1,000 call sites) cost 4-12% per
// translated SSE event and 6-8% per translated 1 KB JSON answer.
// A pattern is binaryen's wildcard (`*` any run of characters) over AssemblyScript's internal names
// (`assembly/fields/read/childPath`); the build fails when a pattern matches no function, so a rule
// cannot outlive a rename silently. To try a rule before writing it here:
// `LLM_MESH_TRY_NO_INLINE='assembly/a/b/*,assembly/c/f' npm run bench:size`.
import { Transform } from "assemblyscript/transform";
import binaryen from "binaryen";

export const NO_INLINE = [
  // Config loading only: field readers, path-named diagnostics, the pattern compiler (-6.9 KB).
  "assembly/fields/read/*",
  "assembly/fields/diagnostics/*",
  "assembly/policy/regex/Parser#*",
];

/** Binaryen's wildcard match (`*` and `?`), as its `no-inline` pass applies it. */
function wildcard(pattern) {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

export default class InlineRules extends Transform {
  afterCompile(module) {
    const tried = process.env.LLM_MESH_TRY_NO_INLINE ? process.env.LLM_MESH_TRY_NO_INLINE.split(",") : [];
    const rules = [...NO_INLINE, ...tried];
    const names = [];
    for (let i = 0, n = module.getNumFunctions(); i < n; i++) names.push(binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name);
    // A build of another entry (a test fixture) may lack the filter's code: only the filter's build is checked.
    const isFilter = names.some((name) => name.startsWith("assembly/config/"));
    for (const pattern of rules) {
      if (isFilter && !names.some((name) => wildcard(pattern).test(name))) throw new Error(`inline-rules.mjs: no function matches "${pattern}": update the rule`);
      // Pass arguments are global to binaryen (the compiler's optimiser reads them too): set, run, clear.
      binaryen.setPassArgument("no-inline", pattern);
      module.runPasses(["no-inline"]);
      binaryen.clearPassArguments();
    }
  }
}

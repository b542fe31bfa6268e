// The million-answer fuzz of provider answers (issue 22): for each provider API the filter reads,
// ANSWERS random answers (valid, broken, hostile; one in BIG_EVERY at full size: 60,000-line
// events, 2 MiB lines, 16 MiB JSON, 50,000 frames) through one VM, as one Envoy worker holds it.
// Reports answers/s, traps (must be 0), answers whose client answer was not in the client's
// format, and the peak linear memory. Usage:
//   npm run bench:fuzz -- [--answers N] [--seed S] [--big-every K] [--api NAME]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { rng } from "./random.js";
import { FUZZ_APIS, FuzzFailure, MEMORY_BOUND_BYTES, fuzzAnswer, fuzzVm, runAnswer } from "./answer-fuzz.js";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const answers = Number(option("answers", "1000000"));
const seed = Number(option("seed", "22"));
const bigEvery = Number(option("big-every", "2000"));
const only = option("api", "");
const wasm = readFileSync(join(PROJECT_ROOT, "build", "llm-mesh.wasm"));

interface ApiResult { api: string; answers: number; seconds: number; answersPerSecond: number; traps: number; malformed: number; peakMemoryMiB: number; kinds: number; firstFailures: string[] }
const results: ApiResult[] = [];

for (const api of FUZZ_APIS.filter((a) => only === "" || a.name === only)) {
  let host = await fuzzVm(wasm);
  const random = rng(seed + api.name.length * 7919);
  let traps = 0;
  let malformed = 0;
  let peak = host.memoryBytes();
  const kinds = new Set<string>();
  const firstFailures: string[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < answers; i++) {
    const route = api.routes[i % api.routes.length];
    const answer = fuzzAnswer(route, random, { bigEvery });
    kinds.add(answer.kind);
    try { runAnswer(host, route, answer, random); } catch (e) {
      const trapped = host.trap !== null;
      if (trapped) traps++; else malformed++;
      const why = `#${i} ${route.client} → ${route.host} (${answer.kind}): ${e instanceof FuzzFailure ? e.message : String(e)}`;
      if (firstFailures.length < 5) firstFailures.push(why.slice(0, 400));
      if (trapped || !(e instanceof FuzzFailure)) host = await fuzzVm(wasm); // a trapped VM serves nothing more, as in Envoy
    }
    peak = Math.max(peak, host.memoryBytes());
    if ((i + 1) % 100_000 === 0) console.error(`${api.name}: ${i + 1} answers, ${((Number(process.hrtime.bigint() - started) / 1e9)).toFixed(0)} s, ${traps} traps, ${malformed} malformed, peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = { api: api.name, answers, seconds: Math.round(seconds), answersPerSecond: Math.round(answers / seconds), traps, malformed, peakMemoryMiB: Math.round(peak / 2 ** 20 * 10) / 10, kinds: kinds.size, firstFailures };
  results.push(result);
  console.log(JSON.stringify(result));
}

console.log(`\n| API | answers | answers/s | traps | malformed | peak linear memory (MiB, bound ${MEMORY_BOUND_BYTES / 2 ** 20}) |\n|---|---:|---:|---:|---:|---:|`);
for (const r of results) console.log(`| ${r.api} | ${r.answers.toLocaleString("en")} | ${r.answersPerSecond.toLocaleString("en")} | ${r.traps} | ${r.malformed} | ${r.peakMemoryMiB} |`);
if (results.some((r) => r.traps > 0 || r.malformed > 0)) process.exitCode = 1;

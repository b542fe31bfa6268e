// bench:micro for two or more builds side by side: the same request rows as micro.ts (module µs per
// request at 1 KB, 64 KB, 1 MB) and translate-micro.ts (µs per SSE event, event-stream message, JSON
// answer), in interleaved rounds (the order rotated each round) so the shared machine's drift falls
// on every build alike. A single run moves by 10-20% here; each build's figure is its minimum over
// the rounds, the least disturbed, and its change is against the first build's minimum. Pass the
// first build twice (A and C) to see the noise left. A size or compiler change is kept when the hot
// path stays within noise.
// `npx tsx src-host-tools/bench/compare-micro.ts [--rounds 10] [--millis 150] before.wasm after.wasm [...]`.
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { runMicro } from "./micro.js";
import { runTranslateMicro } from "./translate-micro.js";

/** One case: per build, its figure in every round (µs). */
export interface CompareRow { case: string; rounds: number[][] }

export async function compareMicro(paths: string[], rounds: number, millis = 150): Promise<CompareRow[]> {
  const rows = new Map<string, number[][]>();
  const keep = (name: string, i: number, micros: number) => {
    const row = rows.get(name) ?? paths.map(() => []);
    row[i].push(micros);
    rows.set(name, row);
  };
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < paths.length; k++) {
      const i = (k + round) % paths.length;
      for (const r of await runMicro(paths[i], millis)) keep(`module µs/request, ${r.case}`, i, r.moduleMicros);
      for (const r of await runTranslateMicro(paths[i], millis / 2, false)) keep(`${r.case} (µs per ${r.unit})`, i, r.microsPerUnit);
    }
  }
  return [...rows].map(([name, r]) => ({ case: name, rounds: r }));
}

export function compareTable(paths: string[], rows: CompareRow[]): string {
  const head = paths.map((p, i) => `${String.fromCharCode(65 + i)} ${statSync(p).size} B`);
  const lines = [`${"case (minimum over rounds, µs)".padEnd(52)}${head.map((h) => h.padStart(18)).join("")}`];
  for (const r of rows) {
    const mins = r.rounds.map((ms) => Math.min(...ms));
    const cells = mins.map((m, i) => (i === 0 ? m.toFixed(2) : `${m.toFixed(2)} ${m >= mins[0] ? "+" : ""}${((100 * (m - mins[0])) / mins[0]).toFixed(1)}%`));
    lines.push(`${r.case.padEnd(52)}${cells.map((c) => c.padStart(18)).join("")}`);
  }
  return lines.join("\n");
}
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: "string", default: "10" }, millis: { type: "string", default: "150" } } });
  if (positionals.length < 2) throw new Error("usage: compare-micro.ts [--rounds N] [--millis M] before.wasm after.wasm [...]");
  console.log(compareTable(positionals, await compareMicro(positionals, Number(values.rounds), Number(values.millis))));
}

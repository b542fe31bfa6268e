// `llm-mesh bench` / `npm run bench`: llm-mesh against bare Envoy, printed as a table and saved as JSON.
import { parsePeerOptions } from "../bench/brought-peers.js";
import { reportTable, runBench, saveReport } from "../bench/envoy-bench.js";
import { UserError } from "../errors.js";

export interface BenchCommandOptions {
  smoke?: boolean; soak?: number; duration?: number; rounds?: number; log?: (line: string) => void;
  /** --peer NAME=FILE.wasm[,config=FILE.json][,root-id=ID][,stop-iteration], each. */
  peer?: string[];
  /** --ext-proc NAME=HOST:PORT, each. */
  extProc?: string[];
  /** Where relative module and config paths start. */
  cwd?: string;
  /** Run only this part of the bench ("footprint", "mcp"). */
  only?: string;
}

const PARTS = ["footprint", "mcp"] as const;

export async function bench(options: BenchCommandOptions): Promise<void> {
  const log = options.log ?? console.log;
  // Checked before anything starts: a wrong path should not cost a build and two Envoys.
  const brought = parsePeerOptions({ peer: options.peer, extProc: options.extProc, cwd: options.cwd });
  const only = options.only === undefined ? undefined : PARTS.find((p) => p === options.only);
  if (options.only !== undefined && only === undefined) throw new UserError(`--only ${options.only}: the parts are ${PARTS.join(", ")}; run llm-mesh bench --only footprint`);
  const report = await runBench({ smoke: options.smoke, soak: options.soak, duration: options.duration, rounds: options.rounds, brought, only, log: (l) => console.error(l) });
  log(reportTable(report));
  log(`\nresults: ${saveReport(report)}`);
  const mcp = report.mcp?.envoy ?? [];
  const errors = report.cases.reduce((n, c) => n + c.non2xx, 0) + report.soaks.reduce((n, soak) => n + soak.non2xx, 0) + mcp.reduce((n, m) => n + m.non2xx, 0);
  const where = [...report.cases.flatMap((c) => Object.entries(c.non2xxByListener ?? {}).map(([listener, n]) => `${c.case} ${listener}: ${n}`)),
    ...mcp.filter((m) => m.non2xx > 0).map((m) => `MCP ${m.method}: ${m.non2xx}`)];
  if (errors > 0) throw new UserError(`${errors} requests failed during the benchmark${where.length > 0 ? ` (${where.join(", ")})` : ""}; run with the Envoy logs to see why, or check that peer's config`);
}

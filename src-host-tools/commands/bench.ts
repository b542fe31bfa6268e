// `llm-mesh bench` / `npm run bench`: llm-mesh against bare Envoy, printed as a table and saved as JSON.
import { reportTable, runBench, saveReport } from "../bench/envoy-bench.js";
import { UserError } from "../errors.js";

export interface BenchCommandOptions { smoke?: boolean; soak?: number; duration?: number; rounds?: number; log?: (line: string) => void }

export async function bench(options: BenchCommandOptions): Promise<void> {
  const log = options.log ?? console.log;
  const report = await runBench({ smoke: options.smoke, soak: options.soak, duration: options.duration, rounds: options.rounds, log: (l) => console.error(l) });
  log(reportTable(report));
  log(`\nresults: ${saveReport(report)}`);
  const errors = report.cases.reduce((n, c) => n + c.non2xx, 0) + report.soaks.reduce((n, soak) => n + soak.non2xx, 0);
  if (errors > 0) throw new UserError(`${errors} requests failed during the benchmark; run with the Envoy logs to see why`);
}

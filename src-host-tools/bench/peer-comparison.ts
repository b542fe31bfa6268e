// llm-mesh's CPU per request against each peer in the run, and issue 25's target 7: at every size
// at least 5x less CPU per request than Higress's ai-proxy, judged against any peer whose name says
// higress (`--peer higress=ai-proxy.wasm,config=…`). External processors count Envoy's CPU plus the
// processor's; one whose process was not found has no figure, and no ratio is made up for it.

/** Peers llm-mesh must beat by FIVE_TIMES at every size: named like Higress's ai-proxy. */
export const FIVE_TIMES_REFERENCE = /higress/i;
export const FIVE_TIMES = 5;

/** The parts of a bench report this reads. */
export interface ComparedRun {
  cases: { case: string; filter: { cpuMicrosPerRequest: number }; peers: Record<string, { cpuMicrosPerRequest: number }> }[];
  peers: { name: string; skipped?: string }[];
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** How many times llm-mesh's CPU per request the peer's is (NaN when either is missing). */
function ratio(run: ComparedRun["cases"][number], peer: string): number {
  const p = run.peers[peer]?.cpuMicrosPerRequest ?? NaN;
  return p / run.filter.cpuMicrosPerRequest;
}

const measured = (run: ComparedRun) => run.peers.filter((p) => !p.skipped);

/** The table: per size and peer, both CPU figures and their ratio. */
export function peerComparisonTable(run: ComparedRun): string {
  const peers = measured(run);
  if (peers.length === 0) return "";
  const lines = [`llm-mesh against each peer (peer / llm-mesh: how many times llm-mesh's CPU per request the peer's is; above 1, llm-mesh uses less; ${FIVE_TIMES}x is the target against peers named like higress):`,
    "case    peer                  CPU µs/req peer / llm-mesh   peer / llm-mesh"];
  for (const c of run.cases) {
    for (const p of peers) {
      const r = ratio(c, p.name);
      const target = FIVE_TIMES_REFERENCE.test(p.name) ? `   (target >= ${FIVE_TIMES}x: ${r >= FIVE_TIMES ? "met" : "MISS"})` : "";
      const uses = Number.isFinite(r) ? `${fmt(r, 2)}x` : "n/a (no CPU figure for the peer)";
      lines.push(`${c.case.padEnd(7)} ${p.name.padEnd(21)} ${`${fmt(c.peers[p.name]?.cpuMicrosPerRequest ?? NaN)} / ${fmt(c.filter.cpuMicrosPerRequest)}`.padStart(28)}   ${uses}${target}`);
    }
  }
  return lines.join("\n");
}

/** Target 7, once per reference peer in the run: missed unless every size has a figure and a ratio >= 5. */
export function peerTargets(run: ComparedRun): { name: string; target: string; measured: string; met: boolean }[] {
  return measured(run).filter((p) => FIVE_TIMES_REFERENCE.test(p.name)).map((p) => {
    const ratios = run.cases.map((c) => [c.case, ratio(c, p.name)] as const);
    return {
      name: `CPU per request at every size, ${p.name} / llm-mesh`,
      target: `>= ${FIVE_TIMES}x`,
      measured: ratios.map(([size, r]) => `${size} ${Number.isFinite(r) ? `${fmt(r, 2)}x` : "n/a"}`).join(", "),
      met: ratios.length > 0 && ratios.every(([, r]) => r >= FIVE_TIMES),
    };
  });
}

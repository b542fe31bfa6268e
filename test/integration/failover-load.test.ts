// Failover under load in real Envoy: 64 clients for 60 s while one of two providers fails in each
// way in turn (error statuses, 429 with Retry-After, refused connections, a slow first byte, a
// stalled or trickling body, a reset mid-body, an answer cut short). No client may see an error,
// and the failing provider may get only the tries its ejections let through. Then both providers
// down: every client gets a clean error in its own API's shape.
import { Agent } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Fault } from "../support/fault-provider.js";
import { chat, poolStats, stack, stopStacks } from "../support/failover-stack.js";

afterEach(stopStacks);

const CONCURRENCY = 64;
const SECONDS = 60;
const FAULTS: Fault[] = [
  { kind: "status", status: 503 },
  { kind: "status", status: 429, retryAfter: "5" },
  { kind: "status", status: 500 },
  { kind: "reset-before-headers" },
  { kind: "slow-first-byte", ms: 2000 },
  { kind: "status", status: 502 },
  { kind: "stall-body" },
  { kind: "trickle", ms: 700 },
  { kind: "reset-mid-stream" },
  { kind: "end-early" },
];
const EJECTION = { consecutiveFailures: 3, baseMs: 2000, maxMs: 20000, intervalMs: 200 };

/** Runs CONCURRENCY clients until `until`; returns every status and the requests that failed outright. */
async function load(s: Awaited<ReturnType<typeof stack>>, until: number, check: (status: number, contentType: string, body: string) => boolean) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  const bad: string[] = [];
  let sent = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) {
      sent++;
      try {
        const r = await chat(s, { agent });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (!check(r.status, String(r.headers["content-type"] ?? ""), r.body) && bad.length < 10) bad.push(`${r.status} ${r.body.slice(0, 200)}`);
      } catch (error) {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        if (bad.length < 10) bad.push(String(error));
      }
    }
  }));
  agent.destroy();
  return { statuses, bad, sent };
}

describe("failover under load", () => {
  it(`${CONCURRENCY} clients, ${SECONDS} s, alpha failing in ${FAULTS.length} ways in turn: no client error, alpha gets only the tries its ejections let through`, async () => {
    const s = await stack({ kind: "ok" }, { kind: "ok" }, { attempts: 3, perTryIdleTimeoutMs: 500, ejection: EJECTION });
    const start = Date.now();
    const phaseMs = (SECONDS * 1000) / FAULTS.length;
    const phases = FAULTS.map((fault, i) => setTimeout(() => { s.alpha.fault = fault; }, i * phaseMs));
    const result = await load(s, start + SECONDS * 1000, (status, type, body) => status === 200 && type.includes("application/json") && body.includes("answered by"));
    phases.forEach(clearTimeout);
    const stats = await poolStats(s);
    const ejections = stats["outlier_detection.ejections_enforced_total"] ?? 0;
    const alphaTries = s.alpha.count();
    const alphaServed = s.beta.count();
    const perPhase = FAULTS.map((f, i) => `${f.kind}${"status" in f ? f.status : ""}:${s.alpha.received.filter((r) => r.at >= start + i * phaseMs && r.at < start + (i + 1) * phaseMs).length}`);
    console.log(`alpha tries per phase: ${perPhase.join(" ")}`);
    console.log(`failover load: ${result.sent} requests in ${SECONDS} s (${Math.round(result.sent / SECONDS)}/s), statuses ${JSON.stringify(Object.fromEntries(result.statuses))}; ` +
      `alpha got ${alphaTries} tries, beta ${alphaServed}; ${ejections} ejections; retries ${stats["upstream_rq_retry"] ?? 0}`);
    expect(result.bad, result.bad.join("\n")).toEqual([]);
    expect(result.statuses.get(200)).toBe(result.sent);
    // Ejected again and again (with a growing backoff), alpha gets a small share of the tries; without
    // ejection it would get half of all first tries. (Measured: 4-5 %. Envoy 1.40 applies a re-ejection
    // to its load balancer about a second late, which is most of that; the first ejection of each run
    // costs only the ~30 tries in flight.)
    expect(ejections).toBeGreaterThanOrEqual(FAULTS.length / 2);
    expect(alphaTries).toBeLessThan(result.sent / 10);
  }, (SECONDS + 60) * 1000);

  it(`both providers down, ${CONCURRENCY} clients for 10 s: every answer a clean JSON error in the client's shape`, async () => {
    const s = await stack({ kind: "status", status: 503 }, { kind: "reset-before-headers" }, { attempts: 3, ejection: EJECTION });
    const result = await load(s, Date.now() + 10_000, (status, type, body) => {
      if (status < 500 || !type.includes("application/json")) return false;
      const parsed = JSON.parse(body);
      return typeof parsed.error?.message === "string" && parsed.error.message.length > 0;
    });
    console.log(`all down: ${result.sent} requests, statuses ${JSON.stringify(Object.fromEntries(result.statuses))}`);
    expect(result.bad, result.bad.join("\n")).toEqual([]);
    expect(result.statuses.get(0)).toBeUndefined();
  }, 60_000);
});

// What Linux says about a process the bench started (/proc).
import { readFileSync } from "node:fs";

/** A process's resident memory (VmRSS), in bytes; NaN when it cannot be read. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

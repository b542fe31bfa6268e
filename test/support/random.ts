// Seeded randomness for the fuzz tests, so a failure can be replayed from its seed.

export { rng } from "../../src-host-tools/bench/random.js";

/** Up to `maxEdits` random edits: truncate, delete a run, insert a `noise` token, replace a byte, duplicate a run. */
export function mutate(text: string, random: () => number, noise: string[], maxEdits = 3): string {
  let s = text;
  const edits = 1 + Math.floor(random() * maxEdits);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (s.length + 1));
    switch (Math.floor(random() * 5)) {
      case 0: s = s.slice(0, at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + Math.floor(random() * 4)); break;
      case 2: s = s.slice(0, at) + noise[Math.floor(random() * noise.length)] + s.slice(at); break;
      case 3: s = s.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + s.slice(at + 1); break;
      default: { const from = Math.floor(random() * s.length); s = s.slice(0, at) + s.slice(from, from + 8) + s.slice(at); }
    }
  }
  return s;
}

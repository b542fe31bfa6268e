// Seeded randomness for the fuzz tests, so a failure can be replayed from its seed.

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

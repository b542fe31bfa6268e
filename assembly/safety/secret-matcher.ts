// One automaton for every form a configured secret can take in a response: the secret itself and
// its base64 and base64url forms (at each of the three alignments a secret can have inside a longer
// base64 text). Percent-encoding and JSON escapes (\uXXXX, \/) are not listed as forms: the scanner
// (secret-scanner.ts) decodes them before matching, so any mix of escaped and plain characters is
// found. Built once per set of secrets (Aho-Corasick: a trie with failure links), then only read.

import { ByteClass } from "./byte-class";

/** Secrets shorter than this are not matched (too many false hits; no real key is this short). */
export const MIN_SECRET_BYTES: i32 = 4;
/** An encoded form shorter than this is not matched (a three-byte secret at an odd alignment). */
const MIN_FORM_BYTES: i32 = 6;

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** What the scanner decodes before matching (a quote ends a string, '\\' and '%' start escapes). */
const DECODED_STARTS: i32[] = [0x22, 0x5c, 0x25];

/** A compiled set of byte patterns; `step` moves one byte, `matchLength` says what ends there. */
export class SecretMatcher {
  // Node 0 is the root. A node's children are a linked list of edges (most nodes have one: secrets
  // are long chains); the root's moves are a full 256-entry table.
  private depth: StaticArray<i32>;
  private fail: StaticArray<i32> = new StaticArray<i32>(0);
  private out: StaticArray<i32> = new StaticArray<i32>(0);
  private firstEdge: StaticArray<i32>;
  private edgeByte: StaticArray<u8>;
  private edgeTarget: StaticArray<i32>;
  private edgeNext: StaticArray<i32>;
  private rootNext: StaticArray<i32> = new StaticArray<i32>(256);
  /** The longest pattern, in bytes: how far back a match in progress can reach. */
  readonly longest: i32;
  /** How many patterns were compiled (0: nothing to look for). */
  readonly patterns: i32;
  // What a scanner with no match in progress must read (the rest leaves the state at the root):
  // a byte it decodes before matching, or a pattern's first byte followed by a byte that can come
  // second in a pattern or be decoded into one.
  readonly decoded: ByteClass = new ByteClass();
  readonly firstBytes: ByteClass = new ByteClass();
  readonly secondBytes: ByteClass = new ByteClass();

  constructor(forms: ArrayBuffer[]) {
    const depth: i32[] = [0];
    const out: i32[] = [0];
    const firstEdge: i32[] = [-1];
    const edgeByte: u8[] = [];
    const edgeTarget: i32[] = [];
    const edgeNext: i32[] = [];
    let longest = 0;
    for (let f = 0; f < forms.length; f++) {
      const form = forms[f];
      const base = changetype<usize>(form);
      let node = 0;
      for (let i = 0; i < form.byteLength; i++) {
        const b = load<u8>(base + <usize>i);
        let next = -1;
        for (let e = firstEdge[node]; e >= 0; e = edgeNext[e]) if (edgeByte[e] == b) { next = edgeTarget[e]; break; }
        if (next < 0) {
          next = depth.length;
          depth.push(depth[node] + 1);
          out.push(0);
          firstEdge.push(-1);
          edgeByte.push(b);
          edgeTarget.push(next);
          edgeNext.push(firstEdge[node]);
          firstEdge[node] = edgeByte.length - 1;
        }
        node = next;
      }
      if (form.byteLength > 0) out[node] = form.byteLength;
      if (form.byteLength > longest) longest = form.byteLength;
    }
    this.longest = longest;
    this.patterns = forms.length;
    const n = depth.length;
    this.depth = StaticArray.fromArray(depth);
    this.firstEdge = StaticArray.fromArray(firstEdge);
    this.edgeByte = StaticArray.fromArray(edgeByte);
    this.edgeTarget = StaticArray.fromArray(edgeTarget);
    this.edgeNext = StaticArray.fromArray(edgeNext);
    const fail = new StaticArray<i32>(n);
    const outs = StaticArray.fromArray(out);
    for (let e = this.firstEdge[0]; e >= 0; e = this.edgeNext[e]) {
      this.rootNext[this.edgeByte[e]] = this.edgeTarget[e];
      this.firstBytes.add(this.edgeByte[e]);
      for (let c = this.firstEdge[this.edgeTarget[e]]; c >= 0; c = this.edgeNext[c]) this.secondBytes.add(this.edgeByte[c]);
    }
    for (let i = 0; i < DECODED_STARTS.length; i++) { this.decoded.add(DECODED_STARTS[i]); this.secondBytes.add(DECODED_STARTS[i]); }
    // Breadth first: a node's failure link is the longest proper suffix that is also in the trie.
    const queue = new StaticArray<i32>(n);
    let head = 0, tail = 0;
    for (let e = this.firstEdge[0]; e >= 0; e = this.edgeNext[e]) queue[tail++] = this.edgeTarget[e];
    while (head < tail) {
      const node = queue[head++];
      for (let e = this.firstEdge[node]; e >= 0; e = this.edgeNext[e]) {
        const child = this.edgeTarget[e];
        fail[child] = this.stepFrom(fail[node], this.edgeByte[e], fail);
        // Reported per position: the longest pattern ending here (shorter ones lie inside it).
        if (outs[child] == 0) outs[child] = outs[fail[child]];
        queue[tail++] = child;
      }
    }
    this.fail = fail;
    this.out = outs;
  }

  private stepFrom(node: i32, b: i32, fail: StaticArray<i32>): i32 {
    while (true) {
      if (node == 0) return unchecked(this.rootNext[b]);
      for (let e = unchecked(this.firstEdge[node]); e >= 0; e = unchecked(this.edgeNext[e])) {
        if (unchecked(this.edgeByte[e]) == <u8>b) return unchecked(this.edgeTarget[e]);
      }
      node = unchecked(fail[node]);
    }
  }

  /** The state after byte `b` from `node` (amortized constant: failure links only shorten the match). */
  @inline step(node: i32, b: i32): i32 { return node == 0 ? unchecked(this.rootNext[b]) : this.stepFrom(node, b, this.fail); }
  /** How many bytes of a pattern the state holds: the match in progress. */
  @inline depthOf(node: i32): i32 { return unchecked(this.depth[node]); }
  /** The length of the longest pattern ending at this state, or 0. */
  @inline matchLength(node: i32): i32 { return unchecked(this.out[node]); }
}

/** Every form of one secret that is matched: itself, and base64 and base64url at three alignments. */
export function secretForms(secret: string, into: ArrayBuffer[]): void {
  const raw = String.UTF8.encode(secret);
  if (raw.byteLength < MIN_SECRET_BYTES) return;
  into.push(raw);
  for (let shift = 0; shift < 3; shift++) {
    const form = base64Inner(raw, shift);
    if (form.length < MIN_FORM_BYTES) continue;
    into.push(String.UTF8.encode(form));
    const url = form.replaceAll("+", "-").replaceAll("/", "_");
    if (url != form) into.push(String.UTF8.encode(url));
  }
}

/**
 * The base64 characters that depend on the secret's bytes alone when it starts `shift` bytes into
 * a three-byte group: what any base64 text holding the secret at that alignment contains.
 */
function base64Inner(raw: ArrayBuffer, shift: i32): string {
  const n = raw.byteLength;
  const base = changetype<usize>(raw);
  const firstBit = shift * 8;
  const endBit = firstBit + n * 8;
  let out = "";
  // Character j covers bits [6j, 6j+6) of (shift zero bytes + secret).
  for (let j = (firstBit + 5) / 6; j * 6 + 6 <= endBit; j++) {
    let v = 0;
    for (let bit = j * 6; bit < j * 6 + 6; bit++) {
      const byte = <i32>load<u8>(base + <usize>((bit - firstBit) >> 3));
      v = (v << 1) | ((byte >> (7 - ((bit - firstBit) & 7))) & 1);
    }
    out += B64.charAt(v);
  }
  return out;
}

// A small regular-expression engine that cannot blow up. Patterns compile to a program for a Pike
// VM (Thompson's construction: every alternative advances together, one step per character), so
// matching takes time linear in the text for a program whose size is bounded at load. What makes
// backtracking engines exponential (backreferences, lookaround) is refused with a message.
// Rules match the normalized view of text (assembly/safety/normalize.ts); case-insensitive
// patterns fold case as foldCase does (ASCII, Latin-1, Greek, Cyrillic).
// Syntax: literals and escapes, `.`, classes `[a-z]` `[^…]`, `\d \w \s \D \W \S`, groups `(…)`
// `(?:…)`, `|`, `* + ? {n} {n,} {n,m}` (and their lazy forms), `^ $ \b \B`, a leading `(?i)`.

import { FOLDED_RANGES, foldCase } from "../safety/normalize";

/** The most program steps one pattern may compile to: matching costs up to this per character. */
export const MAX_PROGRAM: i32 = 400;
/** The largest count in `{n,m}`. */
const MAX_REPEAT: i32 = 100;

enum Op { Char, Class, Any, Split, Jump, Match, LineStart, LineEnd, WordBoundary, NotWordBoundary }

class Inst {
  constructor(public op: Op, public x: i32 = 0, public y: i32 = 0) {}
}

/** A character class as sorted ranges [lo, hi, lo, hi, …]. */
class CharClass {
  ranges: i32[] = [];
  negated: bool = false;
  has(c: i32): bool {
    let inside = false;
    for (let i = 0; i < this.ranges.length; i += 2) if (c >= this.ranges[i] && c <= this.ranges[i + 1]) { inside = true; break; }
    return inside != this.negated;
  }
}

enum NodeKind { Char, Class, Any, Concat, Alt, Repeat, Assert }

class Node {
  kids: Node[] = [];
  value: i32 = 0;
  min: i32 = 0;
  max: i32 = 0;
  greedy: bool = true;
  constructor(public kind: NodeKind) {}
}

/** A compiled pattern. `search` finds the leftmost match (and its end in `matchEnd`). */
export class Regex {
  program: Inst[] = [];
  classes: CharClass[] = [];
  ignoreCase: bool = false;
  /** ASCII characters a match can start with (when `anyStart` is false): lets the search skip ahead. */
  startSet: StaticArray<bool> = new StaticArray<bool>(128);
  anyStart: bool = true;
  matchEnd: i32 = -1;
  private marks: StaticArray<i32> = new StaticArray<i32>(0);
  private generation: i32 = 0;
  // Reused by every search: thread lists as (pc, start) pairs, and the closure's work stack.
  private current: Array<i32> = [];
  private next: Array<i32> = [];
  private stack: Array<i32> = [];

  private states: DfaState[] = [];
  private stateIds: Map<string, i32> = new Map();
  private dfaFull: bool = false;
  private scratch: Array<i32> = [];
  /**
   * The DFA's ASCII transitions, 128 per state (i32: the next state, MATCH or UNKNOWN), in one flat
   * buffer the matching loop reads by address: no object is touched per character.
   */
  private table: ArrayBuffer = new ArrayBuffer(0);
  /** No literal or class in the pattern names a non-ASCII character. */
  asciiOnly: bool = true;

  /**
   * Whether the pattern occurs anywhere in `text`: one table step per character on a DFA built
   * lazily from the program (RE2's approach), which is what makes deny rules cheap.
   */
  test(text: string): bool {
    if (this.dfaFull) return this.search(text, 0, true) >= 0;
    let state = this.states.length > 0 ? 0 : this.stateFor([0], AT_START);
    const chars = changetype<usize>(text);
    const n = text.length;
    const fold = this.ignoreCase;
    const asciiOnly = this.asciiOnly;
    let table = changetype<usize>(this.table);
    for (let i = 0; i < n; i++) {
      let c = <i32>load<u16>(chars + (<usize>i << 1));
      if (fold) { if (<u32>(c - 0x41) < 26) c += 32; else if (c >= 0xc0) c = foldCase(c); }
      // Patterns without non-ASCII text treat every other character alike: column 128.
      if (c >= 128 && asciiOnly) c = 128;
      let next = c <= 128 ? load<i32>(table + <usize>(state * ROW + c) * 4) : this.wideNext(state, c);
      if (next == UNKNOWN) {
        next = this.step(state, c);
        if (next == TOO_MANY) { this.dfaFull = true; return this.search(text, 0, true) >= 0; }
        table = changetype<usize>(this.table);
      }
      if (next == MATCH) return true;
      state = next;
    }
    const last = this.states[state];
    if (last.endsMatch < 0) last.endsMatch = this.closure(last.pcs, last.context | AT_END, -1) == MATCH ? 1 : 0;
    return last.endsMatch == 1;
  }

  private wideNext(state: i32, c: i32): i32 {
    const wide = this.states[state].wide;
    return wide.has(c) ? wide.get(c) : UNKNOWN;
  }

  /** The state after reading `c` in `state` (MATCH when a match ends before it, TOO_MANY past the limit), remembered. */
  private step(state: i32, c: i32): i32 {
    const from = this.states[state];
    // Column 128 stands for any non-ASCII character; 0x80 behaves as each of them does.
    const next = this.closure(from.pcs, from.context | (isWordChar(c) ? BEFORE_WORD : 0), c);
    if (next == TOO_MANY) return next;
    if (c <= 128) store<i32>(changetype<usize>(this.table) + <usize>(state * ROW + c) * 4, next);
    else from.wide.set(c, next);
    return next;
  }

  /** Follows `pcs` under `context`; then reads `c` (-1: the end) and returns the resulting state. */
  private closure(pcs: i32[], context: i32, c: i32): i32 {
    const reading = this.scratch;
    reading.length = 0;
    this.generation++;
    for (let i = 0; i < pcs.length; i++) this.follow(reading, pcs[i], 0, context);
    const after = new Array<i32>();
    for (let i = 0; i < reading.length; i += 2) {
      const inst = this.program[reading[i]];
      if (inst.op == Op.Match) return MATCH;
      if (c < 0) continue;
      const hit = inst.op == Op.Char ? c == inst.x : inst.op == Op.Any ? c != 0x0a : this.classes[inst.x].has(c);
      if (hit && !after.includes(reading[i] + 1)) after.push(reading[i] + 1);
    }
    if (c < 0) return UNKNOWN;
    // A match may start at any character: the program's start is always waiting too.
    if (!after.includes(0)) after.push(0);
    after.sort();
    return this.stateFor(after, isWordChar(c) ? AFTER_WORD : 0);
  }

  private stateFor(pcs: i32[], context: i32): i32 {
    const key = pcs.join(",") + "/" + context.toString();
    if (this.stateIds.has(key)) return this.stateIds.get(key);
    if (this.states.length >= MAX_STATES) return TOO_MANY;
    const id = this.states.length;
    this.states.push(new DfaState(pcs, context));
    this.stateIds.set(key, id);
    if ((id + 1) * ROW * 4 > this.table.byteLength) {
      // Room for twice as many states; new rows start UNKNOWN (all bits set).
      const grown = new ArrayBuffer(max(8 * ROW * 4, this.table.byteLength << 1));
      memory.fill(changetype<usize>(grown), 0xff, <usize>grown.byteLength);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.table), <usize>this.table.byteLength);
      this.table = grown;
    }
    return id;
  }

  /**
   * The start of the leftmost match at or after `from` (its end in matchEnd), or -1. Of matches
   * starting there, the one a backtracking engine would pick (greedy parts as long as they can be).
   */
  search(text: string, from: i32, anyMatch: bool = false): i32 {
    const n = text.length;
    let current = this.current, next = this.next;
    current.length = 0;
    let found = -1;
    let pos = from;
    this.generation++;
    while (pos <= n) {
      if (found < 0) {
        if (current.length == 0) {
          // Nothing under way: skip to the next character a match can start with.
          if (!this.anyStart) while (pos < n && !this.canStart(text.charCodeAt(pos))) pos++;
          if (!this.anyStart && pos == n) break;
          this.generation++;
        }
        // The new thread ranks below every thread already under way (they started further left).
        this.follow(current, 0, pos, contextAt(text, pos));
      }
      if (current.length == 0) {
        // No thread could start here (an anchor failed): try the next position.
        if (found >= 0 || pos >= n) break;
        pos++;
        continue;
      }
      const c = pos < n ? this.fold(text.charCodeAt(pos)) : -1;
      next.length = 0;
      this.generation++;
      for (let i = 0; i < current.length; i += 2) {
        const inst = unchecked(this.program[current[i]]);
        const op = inst.op;
        if (op == Op.Match) {
          // Leftmost-first: this thread outranks every one after it, which are dropped.
          found = current[i + 1];
          this.matchEnd = pos;
          if (anyMatch) return found;
          break;
        }
        if (c < 0) continue;
        const hit = op == Op.Char ? c == inst.x : op == Op.Any ? c != 0x0a : this.classes[inst.x].has(c);
        if (hit) this.follow(next, current[i] + 1, current[i + 1], contextAt(text, pos + 1));
      }
      const swap = current; current = next; next = swap;
      if (c < 0) break;
      pos++;
    }
    return found;
  }

  private canStart(c: i32): bool { return c >= 128 || unchecked(this.startSet[this.fold(c)]); }
  private fold(c: i32): i32 { return this.ignoreCase ? foldCase(c) : c; }

  /**
   * Adds the thread at `pc` and every thread reachable from it without reading a character, each
   * once per step (marks). `context` says which anchors hold here (ANY_ANCHOR: all of them).
   */
  private follow(list: Array<i32>, pc: i32, start: i32, context: i32): void {
    const stack = this.stack;
    stack.push(pc);
    while (stack.length > 0) {
      const p = stack.pop();
      if (unchecked(this.marks[p]) == this.generation) continue;
      unchecked(this.marks[p] = this.generation);
      const inst = unchecked(this.program[p]);
      switch (inst.op) {
        case Op.Jump: stack.push(inst.x); break;
        // The first branch outranks the second: pushed last, taken first.
        case Op.Split: stack.push(inst.y); stack.push(inst.x); break;
        case Op.LineStart: if (context & (AT_START | ANY_ANCHOR)) stack.push(p + 1); break;
        case Op.LineEnd: if (context & (AT_END | ANY_ANCHOR)) stack.push(p + 1); break;
        case Op.WordBoundary: case Op.NotWordBoundary: {
          const boundary = ((context & AFTER_WORD) != 0) != ((context & BEFORE_WORD) != 0);
          if (context & ANY_ANCHOR || boundary == (inst.op == Op.WordBoundary)) stack.push(p + 1);
          break;
        }
        default: list.push(p); list.push(start);
      }
    }
  }

  /** Learns the characters a match can start with; false when the pattern can match empty text. */
  prepare(): bool {
    this.marks = new StaticArray<i32>(this.program.length);
    this.generation = 1;
    const first = new Array<i32>();
    this.follow(first, 0, 0, ANY_ANCHOR);
    this.anyStart = false;
    for (let i = 0; i < first.length; i += 2) {
      const inst = this.program[first[i]];
      if (inst.op == Op.Match) return false;
      if (inst.op == Op.Char) { if (inst.x < 128) this.startSet[inst.x] = true; continue; }
      if (inst.op == Op.Class && !this.classes[inst.x].negated) {
        const r = this.classes[inst.x].ranges;
        for (let j = 0; j < r.length; j += 2) for (let c = r[j]; c <= min(r[j + 1], 127); c++) this.startSet[c] = true;
        continue;
      }
      this.anyStart = true; // `.` or a negated class
    }
    return true;
  }
}

function isWord(text: string, i: i32): bool {
  return i >= 0 && i < text.length && isWordChar(text.charCodeAt(i));
}

function isWordChar(c: i32): bool {
  return c >= 0x30 && c <= 0x39 || c >= 0x41 && c <= 0x5a || c >= 0x61 && c <= 0x7a || c == 0x5f;
}

// What holds between two characters, for anchors: ^, $, and \b (a word character on one side only).
const AT_START = 1, AT_END = 2, AFTER_WORD = 4, BEFORE_WORD = 8, ANY_ANCHOR = 16;

function contextAt(text: string, pos: i32): i32 {
  return (pos == 0 ? AT_START : 0) | (pos == text.length ? AT_END : 0) | (isWord(text, pos - 1) ? AFTER_WORD : 0) | (isWord(text, pos) ? BEFORE_WORD : 0);
}

/**
 * One state of the lazily built DFA: the threads waiting to read the next character (before their
 * anchors are followed, since \b needs that character), and what is known on its left.
 */
class DfaState {
  /** For characters outside ASCII: the next state, or MATCH (ASCII ones are in Regex.table). */
  wide: Map<i32, i32> = new Map();
  /** Whether a match ends here when the text ends here: -1 until first needed. */
  endsMatch: i32 = -1;
  constructor(public pcs: i32[], public context: i32) {}
}

const UNKNOWN = -1, MATCH = -2, TOO_MANY = -3;
/** A DFA row: ASCII, then one column for every other character (patterns without non-ASCII text). */
const ROW = 129;
/** States one pattern may build (each costs about 0.5 KB); past it, that pattern runs on the Pike VM alone. */
const MAX_STATES = 128;

/** A pattern compiled, or why not. */
export class RegexResult {
  regex: Regex | null = null;
  error: string = "";
}

/** Compiles `pattern`; `literal` matches the text as written. Never traps: bad patterns get an error. */
export function compileRegex(pattern: string, literal: bool = false, ignoreCase: bool = false): RegexResult {
  const parser = new Parser(pattern);
  const out = new RegexResult();
  const re = new Regex();
  re.ignoreCase = ignoreCase;
  if (!literal && pattern.startsWith("(?i)")) { re.ignoreCase = true; parser.pos = 4; }
  parser.ignoreCase = re.ignoreCase;
  let root: Node;
  if (literal) {
    root = new Node(NodeKind.Concat);
    for (let i = 0; i < pattern.length; i++) root.kids.push(parser.charNode(pattern.charCodeAt(i)));
  } else {
    root = parser.alternation(0);
    if (parser.error.length == 0 && parser.pos < pattern.length) parser.fail("unmatched ')'");
  }
  if (parser.error.length > 0) { out.error = parser.error; return out; }
  re.classes = parser.classes;
  re.asciiOnly = parser.asciiOnly;
  const emitter = new Emitter(re.program);
  emitter.emit(root);
  if (re.program.length + 1 > MAX_PROGRAM) {
    out.error = "compiles to more than " + MAX_PROGRAM.toString() + " steps (matching costs that much per character); use smaller repetition counts or fewer alternatives";
    return out;
  }
  re.program.push(new Inst(Op.Match));
  if (!re.prepare()) { out.error = "can match empty text, so it would match every prompt"; return out; }
  out.regex = re;
  return out;
}

class Parser {
  asciiOnly: bool = true;
  pos: i32 = 0;
  error: string = "";
  ignoreCase: bool = false;
  classes: CharClass[] = [];
  constructor(public src: string) {}

  fail(message: string): void { if (this.error.length == 0) this.error = message + " at character " + (this.pos + 1).toString(); }
  private more(): bool { return this.pos < this.src.length && this.error.length == 0; }
  private peek(): i32 { return this.src.charCodeAt(this.pos); }

  alternation(depth: i32): Node {
    if (depth > 20) { this.fail("groups nested too deep"); return new Node(NodeKind.Concat); }
    const first = this.concat(depth);
    if (!this.more() || this.peek() != 0x7c) return first;
    const alt = new Node(NodeKind.Alt);
    alt.kids.push(first);
    while (this.more() && this.peek() == 0x7c) { this.pos++; alt.kids.push(this.concat(depth)); }
    return alt;
  }

  private concat(depth: i32): Node {
    const seq = new Node(NodeKind.Concat);
    while (this.more()) {
      const c = this.peek();
      if (c == 0x7c || c == 0x29) break;
      const atom = this.atom(depth);
      seq.kids.push(this.quantified(atom));
    }
    return seq;
  }

  private atom(depth: i32): Node {
    const c = this.peek();
    this.pos++;
    if (c == 0x28) {
      if (this.src.startsWith("?:", this.pos)) this.pos += 2;
      else if (this.pos < this.src.length && this.peek() == 0x3f) { this.fail("lookaround, named groups and inline flags are not supported (only a leading (?i))"); return new Node(NodeKind.Concat); }
      const inner = this.alternation(depth + 1);
      if (!this.more() || this.peek() != 0x29) { this.fail("missing ')'"); return inner; }
      this.pos++;
      return inner;
    }
    if (c == 0x5b) return this.charClass();
    if (c == 0x2e) return new Node(NodeKind.Any);
    if (c == 0x5e || c == 0x24) { const a = new Node(NodeKind.Assert); a.value = c == 0x5e ? Op.LineStart : Op.LineEnd; return a; }
    if (c == 0x2a || c == 0x2b || c == 0x3f || c == 0x7b) { this.pos--; this.fail("nothing to repeat"); return new Node(NodeKind.Concat); }
    if (c == 0x5c) {
      if (this.pos >= this.src.length) { this.fail("pattern ends with '\\'"); return new Node(NodeKind.Concat); }
      const e = this.peek();
      if (e == 0x62 || e == 0x42) { this.pos++; const a = new Node(NodeKind.Assert); a.value = e == 0x62 ? Op.WordBoundary : Op.NotWordBoundary; return a; }
      const k = new CharClass();
      if (this.escapeInto(k)) return this.classNode(k);
      return this.charNode(k.ranges[0]);
    }
    return this.charNode(c);
  }

  charNode(c: i32): Node {
    if (c >= 128) this.asciiOnly = false;
    const n = new Node(NodeKind.Char);
    n.value = this.ignoreCase ? foldCase(c) : c;
    return n;
  }

  private classNode(k: CharClass): Node {
    const n = new Node(NodeKind.Class);
    n.value = this.classes.length;
    this.classes.push(k);
    return n;
  }

  /** After '\': adds the escape to `k`. True for a class escape (\d …), false for one character. */
  private escapeInto(k: CharClass): bool {
    const e = this.peek();
    this.pos++;
    switch (e) {
      case 0x64: case 0x44: addDigits(k); k.negated = e == 0x44; return true;
      case 0x77: case 0x57: addWord(k); k.negated = e == 0x57; return true;
      case 0x73: case 0x53: addSpace(k); k.negated = e == 0x53; return true;
      case 0x6e: k.ranges.push(0x0a); k.ranges.push(0x0a); return false;
      case 0x74: k.ranges.push(0x09); k.ranges.push(0x09); return false;
      case 0x72: k.ranges.push(0x0d); k.ranges.push(0x0d); return false;
    }
    // Errors point at the backslash.
    if (e >= 0x30 && e <= 0x39) { this.pos -= 2; this.fail("backreferences are not supported"); }
    else if (e >= 0x41 && e <= 0x5a || e >= 0x61 && e <= 0x7a) { this.pos -= 2; this.fail("unknown escape '\\" + String.fromCharCode(e) + "'"); }
    k.ranges.push(e); k.ranges.push(e);
    return false;
  }

  private charClass(): Node {
    const k = new CharClass();
    if (this.more() && this.peek() == 0x5e) { k.negated = true; this.pos++; }
    let first = true;
    while (this.more() && (this.peek() != 0x5d || first)) {
      first = false;
      let lo = this.peek();
      this.pos++;
      if (lo == 0x5c) {
        if (!this.more()) break;
        const part = new CharClass();
        if (this.escapeInto(part)) {
          if (part.negated) { this.fail("negated escapes (\\D, \\W, \\S) are not supported inside [ ]"); break; }
          for (let i = 0; i < part.ranges.length; i++) k.ranges.push(part.ranges[i]);
          continue;
        }
        lo = part.ranges[0];
      }
      let hi = lo;
      if (this.pos + 1 < this.src.length && this.peek() == 0x2d && this.src.charCodeAt(this.pos + 1) != 0x5d) {
        this.pos++;
        hi = this.peek();
        this.pos++;
        if (hi == 0x5c) { this.fail("escapes cannot end a range"); break; }
        if (hi < lo) { this.fail("range out of order"); break; }
      }
      k.ranges.push(lo); k.ranges.push(hi);
      if (hi >= 128) this.asciiOnly = false;
    }
    if (!this.more() || this.peek() != 0x5d) { this.fail("missing ']'"); return new Node(NodeKind.Concat); }
    this.pos++;
    if (this.ignoreCase) foldRanges(k);
    return this.classNode(k);
  }

  private quantified(atom: Node): Node {
    if (!this.more()) return atom;
    const c = this.peek();
    let lo = 0, hi = -1;
    if (c == 0x2a) { this.pos++; }
    else if (c == 0x2b) { this.pos++; lo = 1; }
    else if (c == 0x3f) { this.pos++; hi = 1; }
    else if (c == 0x7b) {
      this.pos++;
      lo = this.number();
      hi = lo;
      if (this.more() && this.peek() == 0x2c) { this.pos++; hi = this.more() && this.peek() != 0x7d ? this.number() : -1; }
      if (!this.more() || this.peek() != 0x7d) { this.fail("malformed {n,m}"); return atom; }
      this.pos++;
      if (lo > MAX_REPEAT || hi > MAX_REPEAT) { this.fail("repetition counts above " + MAX_REPEAT.toString() + " are not supported"); return atom; }
      if (hi >= 0 && hi < lo) { this.fail("{n,m} with m < n"); return atom; }
    } else return atom;
    if (atom.kind == NodeKind.Assert) { this.fail("an anchor cannot be repeated"); return atom; }
    const r = new Node(NodeKind.Repeat);
    r.kids.push(atom);
    r.min = lo;
    r.max = hi;
    if (this.more() && this.peek() == 0x3f) { this.pos++; r.greedy = false; }
    if (this.more() && (this.peek() == 0x2a || this.peek() == 0x2b || this.peek() == 0x3f || this.peek() == 0x7b)) this.fail("nested quantifier (write a group around the repeated part)");
    return r;
  }

  private number(): i32 {
    let n = 0, digits = 0;
    while (this.more() && this.peek() >= 0x30 && this.peek() <= 0x39 && digits < 6) { n = n * 10 + this.peek() - 0x30; this.pos++; digits++; }
    if (digits == 0) this.fail("malformed {n,m}");
    return n;
  }
}

function addDigits(k: CharClass): void { k.ranges.push(0x30); k.ranges.push(0x39); }
function addWord(k: CharClass): void {
  const r: i32[] = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
  for (let i = 0; i < r.length; i++) k.ranges.push(r[i]);
}
function addSpace(k: CharClass): void {
  const r: i32[] = [0x09, 0x0d, 0x20, 0x20];
  for (let i = 0; i < r.length; i++) k.ranges.push(r[i]);
}

/** Case-insensitive classes hold the lower-case form of each upper-case range (input is folded). */
function foldRanges(k: CharClass): void {
  const n = k.ranges.length;
  for (let i = 0; i < n; i += 2) {
    for (let f = 0; f < FOLDED_RANGES.length; f += 3) {
      const lo = max(k.ranges[i], FOLDED_RANGES[f]), hi = min(k.ranges[i + 1], FOLDED_RANGES[f + 1]);
      if (lo <= hi) { k.ranges.push(lo + FOLDED_RANGES[f + 2]); k.ranges.push(hi + FOLDED_RANGES[f + 2]); }
    }
  }
}

/** Writes a node tree as a program (counted repetition is written out, so its size is bounded above). */
class Emitter {
  constructor(public program: Inst[]) {}

  emit(n: Node): void {
    if (this.program.length > MAX_PROGRAM) return; // already too large: stop writing
    const p = this.program;
    switch (n.kind) {
      case NodeKind.Char: p.push(new Inst(Op.Char, n.value)); break;
      case NodeKind.Class: p.push(new Inst(Op.Class, n.value)); break;
      case NodeKind.Any: p.push(new Inst(Op.Any)); break;
      case NodeKind.Assert: p.push(new Inst(<Op>n.value)); break;
      case NodeKind.Concat: for (let i = 0; i < n.kids.length; i++) this.emit(n.kids[i]); break;
      case NodeKind.Alt: {
        const jumps = new Array<i32>();
        for (let i = 0; i < n.kids.length; i++) {
          if (i < n.kids.length - 1) {
            const split = p.length;
            p.push(new Inst(Op.Split, split + 1, 0));
            this.emit(n.kids[i]);
            jumps.push(p.length);
            p.push(new Inst(Op.Jump));
            p[split].y = p.length;
          } else this.emit(n.kids[i]);
        }
        for (let i = 0; i < jumps.length; i++) p[jumps[i]].x = p.length;
        break;
      }
      case NodeKind.Repeat: {
        const atom = n.kids[0];
        for (let i = 0; i < n.min; i++) this.emit(atom);
        if (n.max < 0) {
          // x*: split (x, out); x; jump back.
          const split = p.length;
          p.push(new Inst(Op.Split));
          this.emit(atom);
          p.push(new Inst(Op.Jump, split));
          this.branch(split, split + 1, p.length, n.greedy);
        } else {
          // x{0,k}: k nested optional copies.
          const splits = new Array<i32>();
          for (let i = n.min; i < n.max; i++) {
            splits.push(p.length);
            p.push(new Inst(Op.Split));
            this.emit(atom);
          }
          for (let i = 0; i < splits.length; i++) this.branch(splits[i], splits[i] + 1, p.length, n.greedy);
        }
        break;
      }
    }
  }

  private branch(at: i32, into: i32, past: i32, greedy: bool): void {
    this.program[at].x = greedy ? into : past;
    this.program[at].y = greedy ? past : into;
  }
}

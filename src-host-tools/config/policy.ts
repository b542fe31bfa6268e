// Checks of a route's request policy that a schema cannot express: the safe pattern language of
// deny and mask rules (the filter's assembly/policy/regex.ts accepts exactly these patterns, and
// refuses the same ones with the same messages), template placeholders and field paths; and the
// normalized view of text that rules match (the filter's assembly/safety/normalize.ts, the same
// mapping character for character), for checking a route's own messages against its deny rules.
import type { Problem } from "./problem.js";

/** As the filter's MAX_PROGRAM and MAX_REPEAT. */
const MAX_PROGRAM = 400;
const MAX_REPEAT = 100;
export const PATH_PATTERN = "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+|\\[[0-9]{1,6}\\])*$";
const PATH_RULE = "field names of letters, digits, '_' or '-', joined by '.', with [N] for array items (e.g. choices[0].message.content)";
const CREDENTIALS = ["authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "x-auth-token", "cookie", "x-amz-security-token", "ocp-apim-subscription-key"];

/** A pattern's size in program steps and whether it can match empty text (anchors assumed to hold). */
interface Shape { size: number; empty: boolean }

class PatternParser {
  pos = 0;
  error = "";
  constructor(private src: string) {}

  fail(message: string): void { if (!this.error) this.error = `${message} at character ${this.pos + 1}`; }
  private more(): boolean { return this.pos < this.src.length && !this.error; }
  private peek(): string { return this.src[this.pos]; }

  alternation(depth: number): Shape {
    if (depth > 20) { this.fail("groups nested too deep"); return { size: 0, empty: true }; }
    const kids = [this.concat(depth)];
    while (this.more() && this.peek() === "|") { this.pos++; kids.push(this.concat(depth)); }
    return { size: kids.reduce((n, k) => n + k.size, 0) + 2 * (kids.length - 1), empty: kids.some((k) => k.empty) };
  }

  private concat(depth: number): Shape {
    const shape = { size: 0, empty: true };
    while (this.more() && this.peek() !== "|" && this.peek() !== ")") {
      const atom = this.quantified(this.atom(depth));
      shape.size += atom.size;
      shape.empty &&= atom.empty;
    }
    return shape;
  }

  private atom(depth: number): Shape & { anchor?: boolean } {
    const c = this.src[this.pos++];
    const one = { size: 1, empty: false };
    if (c === "(") {
      if (this.src.startsWith("?:", this.pos)) this.pos += 2;
      else if (this.src[this.pos] === "?") { this.fail("lookaround, named groups and inline flags are not supported (only a leading (?i))"); return { size: 0, empty: true }; }
      const inner = this.alternation(depth + 1);
      if (!this.more() || this.peek() !== ")") { this.fail("missing ')'"); return inner; }
      this.pos++;
      return inner;
    }
    if (c === "[") return this.charClass();
    if (c === "^" || c === "$") return { size: 1, empty: true, anchor: true };
    if ("*+?{".includes(c)) { this.pos--; this.fail("nothing to repeat"); return { size: 0, empty: true }; }
    if (c === "\\") {
      if (this.pos >= this.src.length) { this.fail("pattern ends with '\\'"); return { size: 0, empty: true }; }
      if (this.peek() === "b" || this.peek() === "B") { this.pos++; return { size: 1, empty: true, anchor: true }; }
      this.escape();
    }
    return one;
  }

  /** After '\': true for a class escape (\d, \W, …). */
  private escape(): { klass: boolean; negated: boolean } {
    const e = this.src[this.pos++];
    if ("dwsDWS".includes(e)) return { klass: true, negated: e === e.toUpperCase() };
    if ("ntr".includes(e)) return { klass: false, negated: false };
    // Errors point at the backslash.
    if (/[0-9]/.test(e)) { this.pos -= 2; this.fail("backreferences are not supported"); }
    else if (/[A-Za-z]/.test(e)) { this.pos -= 2; this.fail(`unknown escape '\\${e}'`); }
    return { klass: false, negated: false };
  }

  private charClass(): Shape {
    if (this.more() && this.peek() === "^") this.pos++;
    let first = true;
    while (this.more() && (this.peek() !== "]" || first)) {
      first = false;
      let lo = this.src.charCodeAt(this.pos++);
      if (lo === 0x5c) {
        if (!this.more()) break;
        const at = this.pos;
        const e = this.escape();
        if (e.klass) {
          if (e.negated) { this.fail("negated escapes (\\D, \\W, \\S) are not supported inside [ ]"); break; }
          continue;
        }
        const ch = this.src[at];
        lo = ch === "n" ? 10 : ch === "t" ? 9 : ch === "r" ? 13 : this.src.charCodeAt(at);
      }
      if (this.pos + 1 < this.src.length && this.peek() === "-" && this.src[this.pos + 1] !== "]") {
        this.pos++;
        const hi = this.src.charCodeAt(this.pos++);
        if (hi === 0x5c) { this.fail("escapes cannot end a range"); break; }
        if (hi < lo) { this.fail("range out of order"); break; }
      }
    }
    if (!this.more() || this.peek() !== "]") { this.fail("missing ']'"); return { size: 0, empty: true }; }
    this.pos++;
    return { size: 1, empty: false };
  }

  private quantified(atom: Shape & { anchor?: boolean }): Shape {
    if (!this.more()) return atom;
    const c = this.peek();
    let lo = 0, hi = -1;
    if (c === "*") this.pos++;
    else if (c === "+") { this.pos++; lo = 1; }
    else if (c === "?") { this.pos++; hi = 1; }
    else if (c === "{") {
      this.pos++;
      lo = this.number();
      hi = lo;
      if (this.more() && this.peek() === ",") { this.pos++; hi = this.more() && this.peek() !== "}" ? this.number() : -1; }
      if (!this.more() || this.peek() !== "}") { this.fail("malformed {n,m}"); return atom; }
      this.pos++;
      if (lo > MAX_REPEAT || hi > MAX_REPEAT) { this.fail(`repetition counts above ${MAX_REPEAT} are not supported`); return atom; }
      if (hi >= 0 && hi < lo) { this.fail("{n,m} with m < n"); return atom; }
    } else return atom;
    if (atom.anchor) { this.fail("an anchor cannot be repeated"); return atom; }
    if (this.more() && this.peek() === "?") this.pos++;
    if (this.more() && "*+?{".includes(this.peek())) this.fail("nested quantifier (write a group around the repeated part)");
    const size = lo * atom.size + (hi < 0 ? atom.size + 2 : (hi - lo) * (atom.size + 1));
    return { size, empty: lo === 0 || atom.empty };
  }

  private number(): number {
    let n = 0, digits = 0;
    while (this.more() && /[0-9]/.test(this.peek()) && digits < 6) { n = n * 10 + Number(this.peek()); this.pos++; digits++; }
    if (digits === 0) this.fail("malformed {n,m}");
    return n;
  }
}

const INVISIBLE: [number, number][] = [[0xad, 0xad], [0x34f, 0x34f], [0x61c, 0x61c], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f], [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xfe00, 0xfe0f], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff9, 0xfffb], [0x1bca0, 0x1bca3]];
const SPACES: [number, number][] = [[0x09, 0x0d], [0x20, 0x20], [0x85, 0x85], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];
const LETTERLIKE: Record<number, string> = { 0x2102: "C", 0x212d: "C", 0x210a: "g", 0x210b: "H", 0x210c: "H", 0x210d: "H", 0x210e: "h", 0x2110: "I", 0x2111: "I", 0x2112: "L", 0x2113: "l", 0x2115: "N", 0x2119: "P", 0x211a: "Q", 0x211b: "R", 0x211c: "R", 0x211d: "R", 0x2124: "Z", 0x2128: "Z", 0x212c: "B", 0x212f: "e", 0x2130: "E", 0x2131: "F", 0x2133: "M", 0x2134: "o", 0x2139: "i" };
const LIGATURES = ["ff", "fi", "fl", "ffi", "ffl", "st", "st"];
const within = (ranges: [number, number][], c: number) => ranges.some(([lo, hi]) => c >= lo && c <= hi);

/** The text as deny and mask rules see it: compatibility forms folded, invisible characters removed, whitespace runs one space. */
export function normalizeText(text: string): string {
  let out = "";
  let space = false;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (within(SPACES, c)) { space = true; continue; }
    if (within(INVISIBLE, c) || c >= 0xe0000 && c <= 0xe0fff && !(c >= 0xe0020 && c <= 0xe007e)) continue;
    let folded = ch;
    if (c >= 0xff01 && c <= 0xff5e) folded = String.fromCharCode(c - 0xfee0);
    else if (c >= 0xfb00 && c <= 0xfb06) folded = LIGATURES[c - 0xfb00];
    else if (c >= 0x24b6 && c <= 0x24cf) folded = String.fromCharCode(c - 0x24b6 + 0x41);
    else if (c >= 0x24d0 && c <= 0x24e9) folded = String.fromCharCode(c - 0x24d0 + 0x61);
    else if (c >= 0x2460 && c <= 0x2473) folded = String(c - 0x2460 + 1);
    else if (c === 0x24ea) folded = "0";
    else if (c >= 0x2080 && c <= 0x2089) folded = String(c - 0x2080);
    else if (c === 0x2070 || c >= 0x2074 && c <= 0x2079) folded = String(c - 0x2070);
    else if (c === 0xb9) folded = "1";
    else if (c === 0xb2 || c === 0xb3) folded = String(c - 0xb0);
    else if (c === 0x2071) folded = "i";
    else if (c === 0x207f) folded = "n";
    else if (c === 0x17f) folded = "s";
    else if (LETTERLIKE[c]) folded = LETTERLIKE[c];
    else if (c >= 0x1d400 && c <= 0x1d6a3) { const k = (c - 0x1d400) % 52; folded = String.fromCharCode(k < 26 ? 0x41 + k : 0x61 + k - 26); }
    else if (c >= 0x1d7ce && c <= 0x1d7ff) folded = String((c - 0x1d7ce) % 10);
    else if (c >= 0x1f130 && c <= 0x1f149) folded = String.fromCharCode(0x41 + c - 0x1f130);
    else if (c >= 0xe0020 && c <= 0xe007e) folded = String.fromCharCode(c - 0xe0000);
    if (space) { out += " "; space = false; }
    out += folded;
  }
  return space ? out + " " : out;
}

/** Why the filter would refuse a deny or mask pattern, or undefined. `literal`: a `contains` text (matched normalized). */
export function patternProblem(source: string, literal: boolean): string | undefined {
  let shape: Shape;
  if (literal) source = normalizeText(source);
  if (literal && source.length === 0) return "must not be empty";
  if (literal) shape = { size: source.length, empty: false };
  else {
    const parser = new PatternParser(source);
    if (source.startsWith("(?i)")) parser.pos = 4;
    shape = parser.alternation(0);
    if (!parser.error && parser.pos < source.length) parser.fail("unmatched ')'");
    if (parser.error) return parser.error;
  }
  if (shape.size + 1 > MAX_PROGRAM) return `compiles to more than ${MAX_PROGRAM} steps (matching costs that much per character); use smaller repetition counts or fewer alternatives`;
  if (shape.empty) return "can match empty text, so it would match every prompt";
  return undefined;
}

/** Whether a pattern of the safe language matches text's normalized view (JavaScript's engine agrees on this subset). */
export function patternMatches(rule: { contains?: string; regex?: string; ignoreCase?: boolean }, raw: string): boolean {
  const text = normalizeText(raw);
  if (rule.contains !== undefined) {
    const literal = normalizeText(rule.contains);
    return rule.ignoreCase ? text.toLowerCase().includes(literal.toLowerCase()) : text.includes(literal);
  }
  if (rule.regex === undefined) return false;
  const insensitive = rule.ignoreCase === true || rule.regex.startsWith("(?i)");
  return new RegExp(rule.regex.replace(/^\(\?i\)/, ""), insensitive ? "i" : "").test(text);
}

/** Problems in a template's placeholders, each at the path of the string holding it. */
export function templateProblems(value: unknown, path: string, errors: Problem[]): void {
  if (Array.isArray(value)) { value.forEach((v, i) => templateProblems(v, `${path}[${i}]`, errors)); return; }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) templateProblems(v, `${path}.${k}`, errors);
    return;
  }
  if (typeof value !== "string") return;
  let at = 0;
  for (;;) {
    const open = value.indexOf("{{", at);
    if (open < 0) return;
    const close = value.indexOf("}}", open + 2);
    if (close < 0) { errors.push({ path, message: "has a '{{' without its '}}'" }); return; }
    const message = placeholderProblem(value.slice(open + 2, close).trim());
    if (message) errors.push({ path, message });
    at = close + 2;
  }
}

function placeholderProblem(inner: string): string | undefined {
  let name = inner;
  const fallbackAt = inner.indexOf("??");
  if (fallbackAt >= 0) {
    name = inner.slice(0, fallbackAt).trim();
    try { JSON.parse(inner.slice(fallbackAt + 2).trim()); } catch { return `the default after '??' in {{ ${inner} }} must be JSON (a number, true, false, null or a "quoted string")`; }
  }
  if (name.startsWith("body.")) {
    if (!new RegExp(PATH_PATTERN).test(name.slice(5)) || name.length > 261) return `{{ ${name} }}: the field path must be ${PATH_RULE}`;
    if (/^api_key([.[]|$)/.test(name.slice(5))) return `{{ ${name} }}: a credential field cannot be read (a client's credentials never reach a provider)`;
    return undefined;
  }
  if (name.startsWith("header.")) {
    const header = name.slice(7);
    if (!/^[a-z0-9._-]{1,128}$/.test(header)) return `{{ ${name} }}: must name a lower-case header`;
    if (CREDENTIALS.includes(header)) return `{{ ${name} }}: a credential header cannot be read (a client's credentials never reach a provider)`;
    return undefined;
  }
  return `unknown variable "${name}" in {{ ${inner} }} (accepted: body.FIELD_PATH, header.NAME, each optionally followed by ?? DEFAULT)`;
}

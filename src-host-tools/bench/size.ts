// Where the module's bytes go: sections, code per function and per source folder, and static data
// (strings by the folder that holds the literal). The release module is measured as built; function
// names come from a second build of the same target with its name section kept (`--debug`, same
// optimisation), whose code size is printed beside the release's so a mismatch shows. Each run
// saves its report to bench-results/size-<date>.json; `--against` an earlier one prints what moved
// (module, sections, groups, functions), which is how a size change is judged.
// `npm run bench:size [-- --top 40] [-- --against bench-results/size-<date>.json] [-- --json]`.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../project-root.js";

const SECTION_NAMES = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count"];
/** AssemblyScript's class id of `String` in static data (0 Object, 1 ArrayBuffer, 2 String). */
const STRING_ID = 2;

/** A function's or a string's group, by its compiled name or the file holding it: first match wins. */
const GROUPS: [RegExp, string][] = [
  [/^~lib\/@solo-io\/proxy-runtime\//, "proxy-runtime SDK"],
  [/^~lib\/rt\//, "AS runtime (rt: allocator, collector)"],
  [/^~lib\/(map|set)\//, "AS std: Map/Set instantiations"],
  [/^~lib\/(array|staticarray|typedarray|arraybuffer)\//, "AS std: arrays"],
  [/^~lib\/(string|util\/string)\//, "AS std: strings"],
  [/^~lib\/(number|util\/number)\//, "AS std: number formatting/parsing"],
  [/^~lib\//, "AS std: other"],
  [/^assembly\/([^/]+)\//, "assembly/$1/"],
  [/^assembly\/[^/]+$/, "assembly/ top files"],
  [/^(start|~start|~started)/, "module start"],
];

function groupOf(name: string): string {
  for (const [re, group] of GROUPS) { const m = re.exec(name); if (m) return group.replace("$1", m[1] ?? ""); }
  return "other";
}

class Reader {
  constructor(readonly bytes: Uint8Array, public at = 0) {}
  u8(): number { return this.bytes[this.at++]; }
  uleb(): number { let result = 0, shift = 0, b: number; do { b = this.u8(); result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return result; }
  name(): string { const n = this.uleb(); const s = Buffer.from(this.bytes.subarray(this.at, this.at + n)).toString("utf8"); this.at += n; return s; }
}

interface Section { id: number; name: string; start: number; end: number; bytes: number }
interface Segment { offset: number; data: Uint8Array; bytes: number }
interface Module { sections: Section[]; functionImports: number; bodies: number[]; names: Map<number, string>; segments: Segment[] }

export function parseModule(bytes: Uint8Array): Module {
  const r = new Reader(bytes, 8);
  const m: Module = { sections: [], functionImports: 0, bodies: [], names: new Map(), segments: [] };
  while (r.at < bytes.length) {
    const headerStart = r.at;
    const id = r.u8(), size = r.uleb(), start = r.at, end = start + size;
    let name = SECTION_NAMES[id] ?? `id ${id}`;
    if (id === 0) name = `custom "${r.name()}"`;
    m.sections.push({ id, name, start, end, bytes: end - headerStart });
    if (id === 2) readImports(r, m);
    else if (id === 10) for (let n = r.uleb(); n > 0; n--) { const at = r.at, b = r.uleb(); r.at += b; m.bodies.push(r.at - at); }
    else if (id === 11) readData(r, m);
    else if (name === 'custom "name"') readNames(r, end, m);
    r.at = end;
  }
  return m;
}

function readImports(r: Reader, m: Module): void {
  for (let n = r.uleb(); n > 0; n--) {
    r.name(); r.name();
    const kind = r.u8();
    if (kind === 0) { r.uleb(); m.functionImports++; }
    else if (kind === 1) { r.u8(); const f = r.uleb(); r.uleb(); if (f & 1) r.uleb(); }
    else if (kind === 2) { const f = r.uleb(); r.uleb(); if (f & 1) r.uleb(); }
    else if (kind === 3) { r.u8(); r.u8(); }
    else throw new Error(`import kind ${kind}`);
  }
}

function readData(r: Reader, m: Module): void {
  for (let n = r.uleb(); n > 0; n--) {
    const start = r.at;
    const flags = r.uleb();
    let offset = 0;
    if (flags === 2) r.uleb();
    if (flags !== 1) {
      if (r.u8() !== 0x41) throw new Error("data offset is not an i32.const");
      offset = sleb(r);
      if (r.u8() !== 0x0b) throw new Error("data offset expression longer than one i32.const");
    }
    const len = r.uleb();
    const data = r.bytes.subarray(r.at, r.at + len);
    r.at += len;
    m.segments.push({ offset, data, bytes: r.at - start });
  }
}

function sleb(r: Reader): number { let result = 0, shift = 0, b: number; do { b = r.u8(); result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); if (shift < 32 && (b & 0x40)) result |= -1 << shift; return result; }

function readNames(r: Reader, end: number, m: Module): void {
  while (r.at < end) {
    const sub = r.u8(), size = r.uleb(), next = r.at + size;
    if (sub === 1) for (let n = r.uleb(); n > 0; n--) { const i = r.uleb(); m.names.set(i, r.name()); }
    r.at = next;
  }
}

/** Static objects laid out by the compiler (block header, object header, payload), with the bytes their segments take. */
interface StaticObject { address: number; classId: number; payload: Uint8Array; bytes: number }

export function staticObjects(m: Module): StaticObject[] {
  const active = m.segments.filter((s) => s.offset > 0);
  if (active.length === 0) return [];
  const top = Math.max(...active.map((s) => s.offset + s.data.length));
  const base = Math.min(...active.map((s) => s.offset));
  const image = new Uint8Array(top + 32);
  const owner = new Int32Array(top).fill(-1);
  active.forEach((s, i) => { image.set(s.data, s.offset); owner.fill(i, s.offset, s.offset + s.data.length); });
  const view = new DataView(image.buffer, 0, image.length);
  const objects: StaticObject[] = [];
  // Each segment's bytes charged to the objects it covers, its header to the first one.
  const charged = new Set<number>();
  const charge = (from: number, to: number): number => {
    let bytes = 0;
    for (let a = from; a < Math.min(to, top); a++) if (owner[a] >= 0) { bytes++; if (!charged.has(owner[a])) { charged.add(owner[a]); bytes += m.segments[owner[a]].bytes - m.segments[owner[a]].data.length; } }
    return bytes;
  };
  // An object's header sits 20 bytes before its 16-byte aligned payload; raw tables (`memory.data`) have
  // none, so where no header reads right the walk moves on to the next aligned slot, the bytes in between
  // counted as a raw table.
  // The compiler sizes a static block exactly: header and payload rounded up to 16 bytes.
  const plausible = (at: number): boolean => {
    const mmInfo = view.getUint32(at, true), rtSize = view.getUint32(at + 16, true);
    return mmInfo === ((rtSize + 35) & ~15) - 4 && at + 4 + mmInfo <= top + 16 && view.getUint32(at + 4, true) === 0 && view.getUint32(at + 8, true) === 0 && view.getUint32(at + 12, true) < 0x10000;
  };
  let rawFrom = -1;
  const endRaw = (at: number) => { if (rawFrom >= 0) objects.push({ address: rawFrom, classId: -1, payload: image.subarray(rawFrom, at), bytes: charge(rawFrom, at) }); rawFrom = -1; };
  for (let at = base; at + 20 <= top;) {
    if (!plausible(at)) {
      if (rawFrom < 0) rawFrom = at;
      at = ((at + 4) & ~15) + 12;
      if (at <= rawFrom) at += 16;
      continue;
    }
    endRaw(at);
    const mmInfo = view.getUint32(at, true), classId = view.getUint32(at + 12, true), rtSize = view.getUint32(at + 16, true);
    const next = at + 4 + mmInfo;
    objects.push({ address: at + 20, classId, payload: image.subarray(at + 20, Math.min(at + 20 + rtSize, top)), bytes: charge(at, next) });
    at = next;
  }
  endRaw(top);
  return objects;
}

/** Source files whose text may hold a string literal: the filter's, the SDK's, the std lib's. */
function sourceFiles(): { file: string; name: string; text: string }[] {
  const roots: [string, string][] = [
    [join(PROJECT_ROOT, "assembly"), "assembly/"],
    [join(PROJECT_ROOT, "node_modules/@solo-io/proxy-runtime/assembly"), "~lib/@solo-io/proxy-runtime/"],
    [join(PROJECT_ROOT, "node_modules/assemblyscript/std/assembly"), "~lib/"],
  ];
  const out: { file: string; name: string; text: string }[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${e}/`);
      else if (e.endsWith(".ts")) out.push({ file: p, name: `${prefix}${e}`, text: readFileSync(p, "utf8") });
    }
  };
  for (const [dir, prefix] of roots) walk(dir, prefix);
  return out;
}

/** The group of the first source file holding the string as written (or JSON-escaped). */
function stringGroup(text: string, files: ReturnType<typeof sourceFiles>): string {
  if (text.length === 0) return "other";
  const forms = [text, JSON.stringify(text).slice(1, -1)];
  const hit = files.find((f) => forms.some((s) => f.text.includes(s)));
  return hit ? groupOf(hit.name) : "strings not found as literals (joined, or in a template)";
}

export interface SizeReport {
  releaseBytes: number;
  namedCodeBytes: number;
  releaseCodeBytes: number;
  sections: { name: string; bytes: number }[];
  codeByGroup: { group: string; bytes: number; functions: number }[];
  dataByGroup: { group: string; bytes: number; objects: number }[];
  /** Every function of the named build, largest first. */
  functions: { name: string; bytes: number }[];
}

/** Builds the release target again with its name section kept, into build/size. */
function namedBuild(): string {
  const dir = join(PROJECT_ROOT, "build", "size");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "llm-mesh.wasm");
  execFileSync("npx", ["asc", "assembly/index.ts", "--config", join(PROJECT_ROOT, "asconfig.json"), "--target", "release", "--debug", "--outFile", out, "--textFile", join(dir, "llm-mesh.wat")], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

function tally<K>(entries: [K, number][]): Map<K, { bytes: number; count: number }> {
  const t = new Map<K, { bytes: number; count: number }>();
  for (const [k, b] of entries) { const e = t.get(k) ?? { bytes: 0, count: 0 }; e.bytes += b; e.count++; t.set(k, e); }
  return t;
}

export function sizeReport(release: Uint8Array, named: Uint8Array): SizeReport {
  const rel = parseModule(release), nm = parseModule(named);
  const fnName = (i: number) => nm.names.get(i + nm.functionImports) ?? `function ${i + nm.functionImports}`;
  const fns = nm.bodies.map((b, i) => ({ name: fnName(i), bytes: b }));
  const code = tally(fns.map((f) => [groupOf(f.name), f.bytes] as [string, number]));
  const files = sourceFiles();
  const objects = staticObjects(rel);
  const data = tally(objects.map((o) => {
    if (o.classId === -1) {
      // Long literals kept as UTF-8 (src-host-tools/asc/utf8-literals.mjs) are raw text; the rest are tables.
      const text = o.payload.every((b) => b === 0 || b === 9 || b === 10 || (b >= 0x20 && b < 0x7f)) && o.payload.some((b) => b !== 0);
      return [text ? "long literals as UTF-8 (memory.data)" : "raw tables (memory.data: number formatting, lookup tables)", o.bytes] as [string, number];
    }
    if (o.classId !== STRING_ID) return [`non-string statics (class id ${o.classId === 1 ? "1: buffers" : "> 2: arrays and objects"})`, o.bytes] as [string, number];
    const text = Buffer.from(o.payload).toString("utf16le");
    return [`strings: ${stringGroup(text, files)}`, o.bytes] as [string, number];
  }));
  const dataSection = rel.sections.find((s) => s.id === 11)?.bytes ?? 0;
  const inObjects = objects.reduce((n, o) => n + o.bytes, 0);
  data.set("data outside objects (section and segment headers)", { bytes: dataSection - inObjects, count: 0 });
  const sum = (m: Module) => m.sections.find((s) => s.id === 10)?.bytes ?? 0;
  return {
    releaseBytes: release.length,
    namedCodeBytes: sum(nm),
    releaseCodeBytes: sum(rel),
    sections: rel.sections.map((s) => ({ name: s.name, bytes: s.bytes })),
    codeByGroup: [...code].map(([group, e]) => ({ group, bytes: e.bytes, functions: e.count })).sort((a, b) => b.bytes - a.bytes),
    dataByGroup: [...data].map(([group, e]) => ({ group, bytes: e.bytes, objects: e.count })).sort((a, b) => b.bytes - a.bytes),
    functions: fns.sort((a, b) => b.bytes - a.bytes),
  };
}

export function sizeTable(r: SizeReport, top = 40): string {
  const kib = (n: number) => (n / 1024).toFixed(1).padStart(7);
  const pct = (n: number) => `${((100 * n) / r.releaseBytes).toFixed(1).padStart(5)}%`;
  const lines = [`module ${kib(r.releaseBytes)} KiB (${r.releaseBytes} bytes); code ${kib(r.releaseCodeBytes)} KiB as released, ${kib(r.namedCodeBytes)} KiB in the named build`, "", "section              KiB  share"];
  for (const s of r.sections) lines.push(`${s.name.padEnd(16)} ${kib(s.bytes)} ${pct(s.bytes)}`);
  lines.push("", "code by source (named build)          KiB  share  functions");
  for (const g of r.codeByGroup) lines.push(`${g.group.padEnd(36)} ${kib(g.bytes)} ${pct(g.bytes)} ${String(g.functions).padStart(6)}`);
  lines.push("", "static data by kind and source                               KiB  share  objects");
  for (const g of r.dataByGroup) lines.push(`${g.group.padEnd(58)} ${kib(g.bytes)} ${pct(g.bytes)} ${String(g.objects).padStart(6)}`);
  lines.push("", "largest functions (named build; callees inlined into them count as theirs)      bytes");
  for (const f of r.functions.slice(0, top)) lines.push(`${f.name.slice(0, 86).padEnd(86)} ${String(f.bytes).padStart(6)}`);
  return lines.join("\n");
}

/** What moved from `before` to `after`: the module, each section and group, and the functions that moved most. */
export function sizeDiff(before: SizeReport, after: SizeReport, top = 30): string {
  const signed = (n: number) => `${n > 0 ? "+" : ""}${n}`.padStart(9);
  const rows = (title: string, a: { key: string; bytes: number }[], b: { key: string; bytes: number }[], limit = Infinity): string[] => {
    const was = new Map(a.map((x) => [x.key, x.bytes])), now = new Map(b.map((x) => [x.key, x.bytes]));
    const moved = [...new Set([...was.keys(), ...now.keys()])].map((key) => ({ key, was: was.get(key) ?? 0, now: now.get(key) ?? 0 }))
      .filter((x) => x.was !== x.now).sort((x, y) => (x.now - x.was) - (y.now - y.was)).slice(0, limit);
    return ["", `${title.padEnd(70)}    before     after     moved`, ...moved.map((x) => `${x.key.slice(0, 70).padEnd(70)} ${String(x.was).padStart(9)} ${String(x.now).padStart(9)} ${signed(x.now - x.was)}`)];
  };
  return [
    `module ${before.releaseBytes} -> ${after.releaseBytes} bytes (${signed(after.releaseBytes - before.releaseBytes).trim()})`,
    ...rows("section", before.sections.map((s) => ({ key: s.name, bytes: s.bytes })), after.sections.map((s) => ({ key: s.name, bytes: s.bytes }))),
    ...rows("code by source (named build)", before.codeByGroup.map((g) => ({ key: g.group, bytes: g.bytes })), after.codeByGroup.map((g) => ({ key: g.group, bytes: g.bytes }))),
    ...rows("static data", before.dataByGroup.map((g) => ({ key: g.group, bytes: g.bytes })), after.dataByGroup.map((g) => ({ key: g.group, bytes: g.bytes }))),
    ...rows(`functions that moved most (smaller first; ${top} shown)`, before.functions.map((f) => ({ key: f.name, bytes: f.bytes })), after.functions.map((f) => ({ key: f.name, bytes: f.bytes })), top),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { top: { type: "string", default: "40" }, json: { type: "boolean", default: false }, against: { type: "string" } } });
  const release = readFileSync(join(PROJECT_ROOT, "build", "llm-mesh.wasm"));
  const r = sizeReport(release, readFileSync(namedBuild()));
  console.log(values.json ? JSON.stringify(r, null, 2) : sizeTable(r, Number(values.top)));
  if (values.against) console.log(`\nagainst ${values.against}:\n${sizeDiff(JSON.parse(readFileSync(values.against, "utf8")) as SizeReport, r, Number(values.top))}`);
  mkdirSync(join(PROJECT_ROOT, "bench-results"), { recursive: true });
  const file = join(PROJECT_ROOT, "bench-results", `size-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), ...r }, null, 2));
  if (!values.json) console.log(`\nreport: ${file} (compare a later build with --against ${file})`);
}

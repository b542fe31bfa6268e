// Counts the imports that run against the layering, and the import cycles, in assembly/ and
// src-host-tools/ (issue 24): the measuring stick the restructure is judged by, and the line CI holds.
//   npm run layers [-- --json] [-- --max-against N --max-cycles M]
// Imports are read with TypeScript's own scanner, so an `import` in a comment, a string or a
// template never counts; only relative, static `import ... from` / `export ... from` are edges.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { SyntaxKind } from "typescript/unstable/ast";
import { computeLineStarts, createScanner, tokenIsIdentifierOrKeyword } from "typescript/unstable/ast/scanner";

/** A floor: files under `members` (a folder ends in "/", else a file), paths relative to the tree. */
export interface Layer {
  name: string;
  members: string[];
}

/** A tree and its floors, highest first: an import may only go to its own floor or one below. */
export interface Tree {
  name: string;
  root: string;
  layers: Layer[];
  /** Files of another tree this one may import, from the repository root: data both sides read, importing nothing. */
  reads?: string[];
}

// THE TABLE. Where each folder and file sits today; edit it as the restructure moves files. A file
// matches its longest member, so a single file can sit on another floor than its folder.
export const TREES: Tree[] = [
  {
    name: "assembly",
    root: "assembly",
    layers: [
      {
        // One pipeline per kind of request (a client's, plain, pooled, a failover try), each owning
        // its callbacks; filter.ts hands every callback to the stream's current one.
        name: "pipelines",
        members: ["index.ts", "filter.ts", "entry-points.ts", "pipelines/", "bench-floor/", "bench-envoy-work/", "test-crypto/", "test-gc-stress/", "test-trap/"],
      },
      {
        // The order of things: admit, read body, decide (routing), rewrite, respond, measure, try.
        // config/load.ts composes every feature's loader, so it sits above them.
        name: "steps",
        members: ["request/", "routing.ts", "destination.ts", "token-refresh.ts", "config/load.ts"],
      },
      {
        name: "features",
        members: [
          "consumers/", "policy/", "failover/", "metrics/", "usage/", "providers/", "translate/", "config/", "mcp/",
        ],
      },
      {
        // Scanning, hashing, stream framing, safe text, config field readers, the API names, the ABI wrappers.
        name: "foundations",
        members: ["json/", "crypto/", "safety/", "stream/", "fields/", "api.ts", "error-shapes.ts", "host.ts", "headers.ts", "errors.ts", "literals.ts"],
      },
    ],
  },
  {
    name: "src-host-tools",
    root: "src-host-tools",
    layers: [
      {
        // What a user or a script runs: the command table, the commands, and each tool's entry.
        name: "commands",
        members: [
          "cli.ts", "commands/", "demo.ts", "envoy/cli.ts", "envoy/write-example.ts", "host/cli.ts",
          "manifests/example.ts", "manifests/refresh-istio-schemas.ts", "telemetry/write-dashboard.ts",
          "architecture/",
        ],
      },
      {
        name: "features",
        members: [
          "envoy/", "istio/", "manifests/", "oci/", "bench/", "mock/", "config/", "telemetry/",
          "failover/", "ratelimit/", "asm/",
        ],
      },
      {
        // The host emulator is the toolchain's Proxy-Wasm ABI (as host.ts is the filter's): it knows
        // no feature, and commands, bench and tests stand on it. asc/ is a compiler transform that
        // imports nothing of ours. providers.ts is the catalog of API names; the rest are plumbing.
        name: "foundations",
        members: ["host/", "asc/", "errors.ts", "providers.ts", "go-tools.ts", "system-tools.ts", "project-root.ts"],
      },
    ],
    // The filter's provider table: the toolchain's catalog is derived from it (providers.ts).
    reads: ["assembly/providers/catalog.ts"],
  },
];

/** One static import or re-export found in a file's text. */
export interface FoundImport {
  specifier: string;
  line: number;
  typeOnly: boolean;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

// After these a `/` divides; after anything else it starts a regular expression.
const VALUE_END = new Set<SyntaxKind>([
  SyntaxKind.Identifier, SyntaxKind.ThisKeyword, SyntaxKind.SuperKeyword, SyntaxKind.NullKeyword,
  SyntaxKind.TrueKeyword, SyntaxKind.FalseKeyword, SyntaxKind.NumericLiteral, SyntaxKind.BigIntLiteral,
  SyntaxKind.StringLiteral, SyntaxKind.NoSubstitutionTemplateLiteral, SyntaxKind.TemplateTail,
  SyntaxKind.RegularExpressionLiteral, SyntaxKind.CloseParenToken, SyntaxKind.CloseBracketToken,
  SyntaxKind.CloseBraceToken, SyntaxKind.PlusPlusToken, SyntaxKind.MinusMinusToken,
]);

interface Token {
  kind: SyntaxKind;
  start: number;
  value: string;
  newline: boolean;
}

// The scanner alone cannot tell a template's `}` or a regex's `/` from punctuation: a parser
// re-scans them by context, and this does the same with a brace stack and the previous token.
function tokens(text: string): Token[] {
  const scanner = createScanner(true, undefined, text);
  const out: Token[] = [];
  const braces: boolean[] = []; // true: this `}` closes a template substitution
  let end = -1;
  for (;;) {
    let kind = scanner.scan();
    if (kind === SyntaxKind.EndOfFile) return out;
    // Every token must move on; a scanner stuck in place would otherwise loop for ever.
    if (scanner.getTokenEnd() <= end) throw new Error(`the scanner stopped at offset ${end}`);
    end = scanner.getTokenEnd();
    const prev = out.length ? out[out.length - 1].kind : undefined;
    if ((kind === SyntaxKind.SlashToken || kind === SyntaxKind.SlashEqualsToken) &&
        !(prev !== undefined && (VALUE_END.has(prev) && prev !== SyntaxKind.CloseBraceToken))) {
      kind = scanner.reScanSlashToken();
    } else if (kind === SyntaxKind.OpenBraceToken) {
      braces.push(false);
    } else if (kind === SyntaxKind.TemplateHead) {
      braces.push(true);
    } else if (kind === SyntaxKind.CloseBraceToken) {
      if (braces.pop()) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === SyntaxKind.TemplateMiddle) braces.push(true);
      }
    }
    out.push({ kind, start: scanner.getTokenStart(), value: scanner.getTokenValue(), newline: scanner.hasPrecedingLineBreak() });
  }
}

const STATEMENT_END = new Set<SyntaxKind | undefined>([
  undefined, SyntaxKind.SemicolonToken, SyntaxKind.CloseBraceToken, SyntaxKind.OpenBraceToken,
]);

/** The static imports and re-exports in a file's text, with their 1-based lines. */
export function findImports(text: string): FoundImport[] {
  const toks = tokens(text);
  const lineStarts = computeLineStarts(text);
  const lineOf = (pos: number): number => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    return lo + 1;
  };
  const found: FoundImport[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== SyntaxKind.ImportKeyword && t.kind !== SyntaxKind.ExportKeyword) continue;
    const prev = i > 0 ? toks[i - 1].kind : undefined;
    if (prev === SyntaxKind.DotToken || !(STATEMENT_END.has(prev) || t.newline)) continue;
    const next = toks[i + 1];
    if (!next) break;
    if (t.kind === SyntaxKind.ImportKeyword && next.kind === SyntaxKind.StringLiteral) {
      found.push({ specifier: next.value, line: lineOf(t.start), typeOnly: false });
      continue;
    }
    if (t.kind === SyntaxKind.ImportKeyword && !(next.kind === SyntaxKind.OpenBraceToken ||
        next.kind === SyntaxKind.AsteriskToken || tokenIsIdentifierOrKeyword(next.kind))) continue;
    if (t.kind === SyntaxKind.ExportKeyword && !(next.kind === SyntaxKind.OpenBraceToken ||
        next.kind === SyntaxKind.AsteriskToken || next.kind === SyntaxKind.TypeKeyword)) continue;
    const after = toks[i + 2];
    const typeOnly = next.kind === SyntaxKind.TypeKeyword && after !== undefined &&
      after.kind !== SyntaxKind.FromKeyword && after.kind !== SyntaxKind.CommaToken;
    // A clause is names, braces, commas, `*`, `as` and `type`: walk it to `from "…"` or give up
    // (an `export const`, an `import x = require(…)`, an `export { a }` with no `from`).
    for (let j = i + 1; j < toks.length; j++) {
      const k = toks[j].kind;
      if (k === SyntaxKind.FromKeyword && toks[j + 1]?.kind === SyntaxKind.StringLiteral) {
        found.push({ specifier: toks[j + 1].value, line: lineOf(t.start), typeOnly });
        break;
      }
      const inClause = k === SyntaxKind.OpenBraceToken || k === SyntaxKind.CloseBraceToken ||
        k === SyntaxKind.CommaToken || k === SyntaxKind.AsteriskToken ||
        (tokenIsIdentifierOrKeyword(k) && k !== SyntaxKind.FromKeyword) ||
        (k === SyntaxKind.FromKeyword && toks[j + 1]?.kind !== SyntaxKind.StringLiteral);
      if (!inClause) break;
      // `export { a }` then a new statement: a `}` not followed by `from` ends the clause.
      if (k === SyntaxKind.CloseBraceToken && toks[j + 1]?.kind !== SyntaxKind.FromKeyword) break;
    }
  }
  return found;
}

/** An edge between two files of one tree, paths relative to the tree's root. */
export interface Edge {
  from: string;
  to: string;
  line: number;
  typeOnly: boolean;
}

export interface Against extends Edge {
  fromLayer: string;
  toLayer: string;
}

export interface TreeReport {
  tree: string;
  layers: Layer[];
  files: number;
  imports: number;
  against: Against[];
  cycles: string[][];
  /** Files no floor claims: each must be placed, or the count is not to be trusted. */
  unplaced: string[];
  /** Relative imports that name no file in the tree. */
  unresolved: Edge[];
}

function listSources(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(root, path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(relative(root, path).split(sep).join("/"));
  }
  return out.sort();
}

// NodeNext sources name the emitted file ("./x.js"); AssemblyScript names none ("./x").
function resolveSpecifier(files: Set<string>, from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier).split(sep).join("/");
  const stem = base.replace(/\.(m|c)?js$/, "");
  for (const candidate of [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${base}.ts`, `${base}/index.ts`, `${base}.js`, `${base}.mjs`]) {
    if (files.has(candidate)) return candidate;
  }
  return undefined;
}

/** The floor a file sits on: the layer holding its longest matching member. */
export function layerOf(layers: Layer[], file: string): number {
  let best = -1, bestLength = -1;
  layers.forEach((layer, index) => {
    for (const member of layer.members) {
      const hit = member.endsWith("/") ? file.startsWith(member) : file === member;
      if (hit && member.length > bestLength) { best = index; bestLength = member.length; }
    }
  });
  return best;
}

// Tarjan's strongly connected components, iterative so a deep chain cannot overflow the stack.
function cyclesOf(nodes: string[], edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const onStack = new Set<string>(), stack: string[] = [], out: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: [string, string[]][] = [[root, [...(edges.get(root) ?? [])]]];
    index.set(root, counter); low.set(root, counter++); stack.push(root); onStack.add(root);
    while (work.length) {
      const [node, pending] = work[work.length - 1];
      const next = pending.shift();
      if (next !== undefined) {
        if (!index.has(next)) {
          index.set(next, counter); low.set(next, counter++); stack.push(next); onStack.add(next);
          work.push([next, [...(edges.get(next) ?? [])]]);
        } else if (onStack.has(next)) {
          low.set(node, Math.min(low.get(node)!, index.get(next)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do { member = stack.pop()!; onStack.delete(member); component.push(member); } while (member !== node);
        if (component.length > 1) out.push(component.sort());
      }
    }
  }
  return out.sort((a, b) => b.length - a.length || a[0].localeCompare(b[0]));
}

/** Reads one tree under `repo` and measures it against its floors. */
export function checkTree(repo: string, tree: Tree): TreeReport {
  const root = resolve(repo, tree.root);
  const files = listSources(root);
  const fileSet = new Set(files);
  const edges = new Map<string, Set<string>>();
  const against: Against[] = [], unresolved: Edge[] = [];
  let imports = 0;
  for (const from of files) {
    let list: FoundImport[];
    try {
      list = findImports(readFileSync(join(root, from), "utf8"));
    } catch (error) {
      throw new Error(`${tree.root}/${from}: ${error instanceof Error ? error.message : error}`);
    }
    for (const found of list) {
      if (!found.specifier.startsWith(".")) continue;
      const to = resolveSpecifier(fileSet, from, found.specifier);
      if (to === undefined && tree.reads !== undefined) {
        const target = resolveSpecifier(new Set(tree.reads), join(tree.root, from), found.specifier);
        if (target !== undefined) continue; // another tree's shared file: on no floor of this one
      }
      if (to === undefined) {
        unresolved.push({ from, to: found.specifier, line: found.line, typeOnly: found.typeOnly });
        continue;
      }
      imports++;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      const fromLayer = layerOf(tree.layers, from), toLayer = layerOf(tree.layers, to);
      if (fromLayer >= 0 && toLayer >= 0 && toLayer < fromLayer) {
        against.push({ from, to, line: found.line, typeOnly: found.typeOnly,
          fromLayer: tree.layers[fromLayer].name, toLayer: tree.layers[toLayer].name });
      }
    }
  }
  return {
    tree: tree.name, layers: tree.layers, files: files.length, imports, against,
    cycles: cyclesOf(files, edges),
    unplaced: files.filter((file) => layerOf(tree.layers, file) < 0),
    unresolved,
  };
}

/** The one-line total for a tree, as the closing note quotes it. */
export function summary(report: TreeReport): string {
  const inCycles = report.cycles.reduce((n, cycle) => n + cycle.length, 0);
  return `${report.tree}: ${report.against.length} imports against the layering, ` +
    `${report.cycles.length} cycles (${inCycles} files)`;
}

/** The human report: the floors checked, each import against them, each cycle, the totals. */
export function formatReport(reports: TreeReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`${report.tree}/ floors, highest first (an import may go to its own floor or lower):`);
    for (const layer of report.layers) lines.push(`  ${layer.name.padEnd(12)} ${layer.members.join(" ")}`);
    lines.push("", `${report.tree}: imports against the layering (${report.against.length}):`);
    for (const a of report.against) {
      lines.push(`  ${report.tree}/${a.from}:${a.line} (${a.fromLayer}) -> ${a.to} (${a.toLayer})${a.typeOnly ? " [type]" : ""}`);
    }
    lines.push("", `${report.tree}: import cycles (${report.cycles.length}):`);
    for (const cycle of report.cycles) lines.push(`  ${cycle.length} files: ${cycle.join(", ")}`);
    if (report.unplaced.length) lines.push("", `${report.tree}: on no floor (add them to the table): ${report.unplaced.join(", ")}`);
    if (report.unresolved.length) {
      lines.push("", `${report.tree}: relative imports naming no file:`);
      for (const u of report.unresolved) lines.push(`  ${report.tree}/${u.from}:${u.line} -> ${u.to}`);
    }
    lines.push("");
  }
  for (const report of reports) lines.push(summary(report));
  return lines.join("\n");
}

function numberOption(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} needs a whole number, got ${args[at + 1] ?? "nothing"}`);
  return value;
}

/** The CLI: prints the report (or JSON with --json); exits 1 when a tree is over a --max-* line. */
export function main(args: string[], repo = process.cwd()): number {
  const maxAgainst = numberOption(args, "--max-against");
  const maxCycles = numberOption(args, "--max-cycles");
  const reports = TREES.map((tree) => checkTree(repo, tree));
  console.log(args.includes("--json") ? JSON.stringify(reports, null, 2) : formatReport(reports));
  if (maxAgainst === undefined && maxCycles === undefined) return 0;
  let over = false;
  for (const report of reports) {
    const problems: string[] = [];
    if (maxAgainst !== undefined && report.against.length > maxAgainst) problems.push(`${report.against.length} imports against the layering (at most ${maxAgainst})`);
    if (maxCycles !== undefined && report.cycles.length > maxCycles) problems.push(`${report.cycles.length} cycles (at most ${maxCycles})`);
    // A file on no floor escapes the count, so a line held by CI refuses it.
    if (report.unplaced.length) problems.push(`${report.unplaced.length} files on no floor`);
    if (problems.length === 0) continue;
    over = true;
    console.error(`${report.tree}: ${problems.join(", ")}; fix the import, or the table in src-host-tools/architecture/layers.ts if a file moved`);
  }
  return over ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  }
}

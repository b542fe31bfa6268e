import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkTree, findImports, main, TREES, type Tree } from "../../src-host-tools/architecture/layers.js";

// The floors every fixture uses: top/ above mid/ above base/.
const FLOORS: Tree["layers"] = [
  { name: "top", members: ["top/", "index.ts"] },
  { name: "mid", members: ["mid/"] },
  { name: "base", members: ["base/", "mid/low.ts"] },
];

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fixture(files: Record<string, string>): string {
  const repo = mkdtempSync(join(tmpdir(), "layers-"));
  temps.push(repo);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, "src", path)), { recursive: true });
    writeFileSync(join(repo, "src", path), text);
  }
  return repo;
}

const check = (files: Record<string, string>) => checkTree(fixture(files), { name: "src", root: "src", layers: FLOORS });

interface Row {
  name: string;
  files: Record<string, string>;
  against: string[]; // "from:line->to"
  cycles: string[][];
}

const rows: Row[] = [
  {
    name: "an import down the floors is fine",
    files: { "top/a.ts": 'import { m } from "../mid/m";\n', "mid/m.ts": 'import { b } from "../base/b";\nexport const m = 1;\n', "base/b.ts": "export const b = 1;\n" },
    against: [],
    cycles: [],
  },
  {
    name: "an upward import is counted, with its line",
    files: { "top/a.ts": "export const a = 1;\n", "base/b.ts": '// base\n\nimport { a } from "../top/a";\n' },
    against: ["base/b.ts:3->top/a.ts"],
    cycles: [],
  },
  {
    name: "a feature importing a step is counted; a file placed apart from its folder follows its own floor",
    files: { "index.ts": "export const i = 1;\n", "mid/m.ts": 'import { i } from "../index";\n', "mid/low.ts": 'import { m } from "./m";\n' },
    against: ["mid/m.ts:1->index.ts", "mid/low.ts:1->mid/m.ts"],
    cycles: [],
  },
  {
    name: "a cycle is found, on one floor, with all its files",
    files: { "mid/a.ts": 'import { b } from "./b";\n', "mid/b.ts": 'import { c } from "./c";\n', "mid/c.ts": 'export { a } from "./a";\n', "mid/d.ts": 'import { a } from "./a";\n' },
    against: [],
    cycles: [["mid/a.ts", "mid/b.ts", "mid/c.ts"]],
  },
  {
    name: "comments, strings, templates and regexes never count",
    files: {
      "top/a.ts": "export const a = 1;\n",
      "base/b.ts": [
        '// import { a } from "../top/a";',
        '/* export * from "../top/a"; */',
        'const s = "import { a } from \\"../top/a\\"";',
        'const t = `${s} import { a } from "../top/a" ${`nested ${"}"}`}`;',
        "const r = /import x from \"..\\/top\\/a\"/;",
        'const u = 4 / 2; const v = "import a from \'../top/a\'";',
        // Read as a division, this regex's backtick would open a template and leave the next one's
        // text looking like code.
        "const w = /`/; const x = `",
        'import { a } from "../top/a";',
        "`;",
        "",
      ].join("\n"),
    },
    against: [],
    cycles: [],
  },
  {
    name: "type-only imports still couple files, so they count",
    files: { "top/a.ts": "export interface A { x: number }\n", "base/b.ts": 'import type { A } from "../top/a.js";\n', "base/c.ts": 'import { type A } from "../top/a.js";\n' },
    against: ["base/b.ts:1->top/a.ts", "base/c.ts:1->top/a.ts"],
    cycles: [],
  },
  {
    name: "export * from, export { } from and a bare import count; a dynamic import and a local export do not",
    files: {
      "top/a.ts": "export const a = 1;\n",
      "base/b.ts": 'export * from "../top/a";\n',
      "base/c.ts": 'export {\n  a as c,\n} from "../top/a.js";\n',
      "base/d.ts": 'import "../top/a";\n',
      "base/e.ts": 'const a = 1;\nexport { a };\nexport const f = async () => (await import("../top/a")).a;\n',
    },
    against: ["base/b.ts:1->top/a.ts", "base/c.ts:1->top/a.ts", "base/d.ts:1->top/a.ts"],
    cycles: [],
  },
];

describe("layers: imports against the floors and import cycles", () => {
  it.each(rows)("$name", ({ files, against, cycles }) => {
    const report = check(files);
    expect(report.against.map((a) => `${a.from}:${a.line}->${a.to}`).sort()).toEqual([...against].sort());
    expect(report.cycles).toEqual(cycles);
    expect(report.unresolved).toEqual([]);
  });

  it("names a file that no floor claims", () => {
    const report = check({ "stray.ts": "export const s = 1;\n", "top/a.ts": 'import { s } from "../stray";\n' });
    expect(report.unplaced).toEqual(["stray.ts"]);
  });

  it("reads specifiers and type-only marks as written", () => {
    expect(findImports('import type { A } from "./a.js";\nimport type from "./b";\nexport type { C } from "./c";\n')).toEqual([
      { specifier: "./a.js", line: 1, typeOnly: true },
      { specifier: "./b", line: 2, typeOnly: false },
      { specifier: "./c", line: 3, typeOnly: true },
    ]);
  });
});

// The baseline measured before issue 24's restructure. The restructure moves these numbers DOWN
// (target: assembly at most 5 and no cycle); lower them here as it does, never raise them.
const BASELINE: Record<string, { against: number; cycles: number }> = {
  assembly: { against: 0, cycles: 0 },
  "src-host-tools": { against: 0, cycles: 0 },
};

describe("layers: the real tree holds the baseline", () => {
  const repo = fileURLToPath(new URL("../..", import.meta.url));
  it.each(TREES.map((tree) => ({ tree })))("$tree.name: no more imports against the floors or cycles than the baseline", ({ tree }) => {
    const report = checkTree(repo, tree);
    expect(report.unplaced).toEqual([]);
    expect(report.unresolved).toEqual([]);
    expect(report.against.length).toBeLessThanOrEqual(BASELINE[tree.name].against);
    expect(report.cycles.length).toBeLessThanOrEqual(BASELINE[tree.name].cycles);
  });

  it("the CLI exits 1 over a line and 0 within it", () => {
    const log = console.log, error = console.error;
    console.log = console.error = () => {};
    try {
      // A checkout whose foundation imports a step is over a line of 0; the real one is within it.
      const over = mkdtempSync(join(tmpdir(), "layers-"));
      temps.push(over);
      mkdirSync(join(over, "assembly", "json"), { recursive: true });
      mkdirSync(join(over, "assembly", "request"), { recursive: true });
      mkdirSync(join(over, "src-host-tools"), { recursive: true });
      writeFileSync(join(over, "assembly", "json", "scan.ts"), 'import { admit } from "../request/admit";\n');
      writeFileSync(join(over, "assembly", "request", "admit.ts"), "export const admit = 1;\n");
      writeFileSync(join(over, "src-host-tools", "errors.ts"), "export const E = 1;\n");
      expect(main(["--max-against", "0", "--max-cycles", "0"], over)).toBe(1);
      expect(main(["--json", "--max-against", "0", "--max-cycles", "0"], repo)).toBe(0);
      expect(() => main(["--max-against", "many"], repo)).toThrow(/whole number/);
    } finally {
      console.log = log;
      console.error = error;
    }
  });
});

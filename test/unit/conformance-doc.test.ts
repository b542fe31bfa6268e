// docs/conformance.md stays true: every test it cites exists (the file, and a test or describe of
// that name in it or in the modules it imports, where table rows live), every pair table lists the
// ten features in order with a proof or a stated reason, and the overview counts agree with the
// tables. A string search, not a vitest run: fast, and a row cited by its full name is found even
// where vitest prints a $name row cut at 40 characters.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");
const DOC = read("docs/conformance.md");

/** The features every pair table lists, in this order. */
const FEATURES = ["text", "stream", "tools", "streamed tools", "tools without arguments", "thinking", "caching", "structured output", "errors", "cut streams"];
/** What a cell without a citation must start with. */
const REASONS = /^(no test|cannot)\b/;
/** `test/<project>/<file>.test.ts › name` (a describe and a test: `… › describe › test`). */
const CITATION = /`(test\/(?:unit|integration)\/[\w.-]+\.test\.ts) › ([^`]+)`/g;
const cites = (cell: string) => new RegExp(CITATION.source).test(cell);

/** Each distinct citation once. */
const citations = [...new Map([...DOC.matchAll(CITATION)].map((m) => [m[0], { file: m[1], name: m[2] }])).values()];

/** The test file's text and the modules it imports by relative path (table rows live there). */
function sources(file: string): string[] {
  const text = read(file);
  // `from "…"` and side-effect imports (`import "…"`, which add rows to another module's tables).
  const imported = [...text.matchAll(/(?:from|import) "(\.\.?\/[\w./-]+)\.js"/g)].map((m) => new URL(`${m[1]}.ts`, new URL(file, ROOT))).filter((u) => existsSync(u));
  return [text, ...imported.map((u) => readFileSync(u, "utf8"))];
}

/** A name as written in source: as is, or with JSON escapes ("\"" for a quote). */
const written = (name: string) => [name, JSON.stringify(name).slice(1, -1)];
const appears = (texts: string[], name: string) => texts.some((t) => written(name).some((w) => t.includes(w)));

/** A template name of it.each/describe.each (%s, $field, ${expr}) as a regular expression over vitest's output. */
function templateRegex(literal: string): RegExp {
  const parts = literal.split(/%[sdifjo]|\$\{[^}]*\}|\$[A-Za-z_][\w.]*/);
  return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("(.+?)")}$`);
}

/** How a value filled into a template can be written on a table row: quoted, bare (numbers, booleans), or a constant holding it. */
function tokens(value: string, texts: string[]): RegExp[] {
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const quoted = JSON.stringify(value);
  const forms = [new RegExp(escape(quoted))];
  if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(value)) forms.push(new RegExp(`\\b${escape(value)}\\b`));
  for (const text of texts) for (const m of text.matchAll(new RegExp(`(?:const|let)\\s+([A-Za-z_]\\w*)\\s*=\\s*${escape(quoted)}`, "g"))) forms.push(new RegExp(`\\b${m[1]}\\b`));
  return forms;
}

/**
 * Whether `name` is a test or describe name in `file`: written out, or a template (%s, $field,
 * ${expr}) it fills, with all the values filled in found on one line (one table row) of the sources.
 */
function testNamed(file: string, name: string): boolean {
  const texts = sources(file);
  if (appears(texts, name)) return true;
  const templates = [...texts[0].matchAll(/"((?:[^"\\\n]|\\.)*)"|`([^`]*)`/g)].map((m) => m[1] ?? m[2]).filter((s) => /%[sdifjo]|\$\{|\$[A-Za-z_]/.test(s));
  const lines = texts.flatMap((t) => t.split("\n"));
  return templates.some((t) => {
    const match = templateRegex(t).exec(name);
    if (match === null) return false;
    const wanted = match.slice(1).map((value) => tokens(value, texts));
    return lines.some((line) => wanted.every((forms) => forms.some((f) => f.test(line))));
  });
}

interface PairTable { heading: string; rows: string[][] }

/** Tables under "### <client> → <provider>" headings whose first column is "Feature". */
function pairTables(): PairTable[] {
  const tables: PairTable[] = [];
  let heading = "";
  let current: PairTable | null = null;
  for (const line of DOC.split("\n")) {
    if (line.startsWith("### ")) { heading = line.slice(4).trim(); current = null; continue; }
    if (!line.startsWith("|")) { current = null; continue; }
    const cells = line.slice(1, line.endsWith("|") ? -1 : undefined).split(" | ").map((c) => c.trim());
    if (cells[0] === "Feature") { current = { heading, rows: [] }; tables.push(current); continue; }
    if (current && !/^-+$/.test(cells[0])) current.rows.push(cells);
  }
  return tables;
}

describe("docs/conformance.md", () => {
  it("cites tests in the machine-readable form, and enough of them to be the matrix", () => {
    expect(citations.length).toBeGreaterThan(50);
  });

  it.each(citations.map((c) => [`${c.file} › ${c.name}`, c] as const))("cites %s, which exists", (_label, { file, name }) => {
    expect(existsSync(new URL(file, ROOT)), `${file} does not exist`).toBe(true);
    for (const segment of name.split(" › ")) expect(testNamed(file, segment), `no test or describe named "${segment}" in ${file} (or the rows it imports)`).toBe(true);
  });

  it("every pair table lists the ten features in order, each cell a citation or a reason", () => {
    const tables = pairTables();
    expect(tables.length).toBeGreaterThan(30);
    expect(new Set(tables.map((t) => t.heading)).size, "each client → provider pair has one table").toBe(tables.length);
    for (const table of tables) {
      expect(table.heading, "a pair table sits under a ### <client> → <provider> heading").toMatch(/^.+ → .+$/);
      expect(table.rows.map((r) => r[0]), table.heading).toEqual(FEATURES);
      for (const row of table.rows) for (const cell of row.slice(1)) {
        expect(cites(cell) || REASONS.test(cell), `${table.heading}, ${row[0]}: "${cell}" is neither a citation nor a reason (no test, cannot)`).toBe(true);
      }
    }
  });

  it("the overview's counts are the features each pair table proves", () => {
    const tables = new Map(pairTables().map((t) => [t.heading, t]));
    const overview = DOC.slice(DOC.indexOf("## Overview"), DOC.indexOf("\n## ", DOC.indexOf("## Overview") + 1));
    const lines = overview.split("\n").filter((l) => l.startsWith("|"));
    const providers = lines[0].split(" | ").slice(1).map((c) => c.replace(/\|$/, "").trim());
    let checked = 0;
    for (const line of lines.slice(2)) {
      const cells = line.slice(1, -1).split(" | ").map((c) => c.trim());
      const client = cells[0].replace(/\*/g, "");
      providers.forEach((provider, i) => {
        const table = tables.get(`${client} → ${provider}`);
        expect(table, `no section "### ${client} → ${provider}"`).toBeDefined();
        expect(cells[i + 1], `${client} → ${provider}`).toBe(`${table!.rows.filter((row) => row.slice(1).some(cites)).length}/10`);
        checked++;
      });
    }
    expect(checked).toBe(tables.size);
  });
});

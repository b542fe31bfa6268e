// Models of how provider-side JSON readers read a request body (docs/json-parsers.md): which bytes
// they accept, how they decode text, which member wins when keys repeat or differ in case, and
// what a number becomes. The parser-table tests read what llm-mesh sent upstream with each model
// and compare it with what llm-mesh decided on. The Go and Python models are checked against the
// real readers on every row (test/support/go-json-reader, python-json-reader); the JavaScript one
// is JSON.parse itself on the decoded text.

type Node =
  | { kind: "object"; members: [string, Node][] }
  | { kind: "array"; items: Node[] }
  | { kind: "string"; value: string }
  | { kind: "number"; text: string }
  | { kind: "literal"; value: boolean | null };

/** What a reader read: a plain value, or the reason it refused the body. */
export type Read = { value: unknown } | { refused: string };

export interface Reader {
  name: string;
  /** The text of the body, or why the reader refuses the bytes. */
  decode(bytes: Buffer): string | Error;
  /** NaN, Infinity and -Infinity as numbers (Python's json does). */
  nonFinite: boolean;
  /** Whether an object member named `key` is the one wanted by `name`. */
  sameKey(key: string, name: string): boolean;
  /** A string as the reader holds it (Go replaces lone surrogates). */
  text(value: string): string;
  /** A number as the reader holds it. */
  number(text: string): unknown;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossyUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Go's bytes.EqualFold for a field name: ASCII case, and the long s and Kelvin sign (Unicode simple folding). */
function goFold(s: string): string {
  return s.replace(/\u017f/g, "s").replace(/\u212a/g, "k").replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const asFloat = (text: string): unknown => Number(text);

export const READERS: Reader[] = [
  {
    // json.loads(request_body_bytes): detects UTF-8 (a BOM too) and UTF-16/32, decodes strictly.
    name: "Python json",
    decode(bytes) {
      if (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) return new TextDecoder(bytes[0] === 0 ? "utf-16be" : "utf-16le").decode(bytes);
      try { return strictUtf8.decode(bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes); } catch { return new Error("UnicodeDecodeError"); }
    },
    nonFinite: true,
    sameKey: (key, name) => key === name,
    text: (v) => v,
    // ints are exact (arbitrary precision), anything with a fraction or exponent a float.
    number: (text) => (/^-?\d+$/.test(text) ? BigInt(text).toString() : Number(text)),
  },
  {
    // json.Unmarshal into a struct: invalid UTF-8 becomes U+FFFD; keys match case-insensitively.
    name: "Go encoding/json",
    decode: (bytes) => (bytes.subarray(0, 3).equals(BOM) ? new Error("invalid character 'ï' looking for beginning of value") : lossyUtf8.decode(bytes)),
    nonFinite: false,
    sameKey: (key, name) => goFold(key) === goFold(name),
    text: (v) => v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
    number: asFloat,
  },
  {
    // JSON.parse(buffer.toString("utf8")), as Node servers do: U+FEFF is not JSON whitespace.
    name: "JavaScript JSON.parse",
    decode: (bytes) => lossyUtf8.decode(bytes),
    nonFinite: false,
    sameKey: (key, name) => key === name,
    text: (v) => v,
    number: asFloat,
  },
  {
    // System.Text.Json with PropertyNameCaseInsensitive (ASP.NET's web defaults): OrdinalIgnoreCase upper-cases each character.
    name: ".NET System.Text.Json (web defaults)",
    decode(bytes) {
      try { return strictUtf8.decode(bytes); } catch { return new Error("invalid UTF-8"); }
    },
    nonFinite: false,
    sameKey: (key, name) => key.length === name.length && [...key].every((c, i) => c.toUpperCase() === name[i].toUpperCase()),
    text: (v) => v,
    number: asFloat,
  },
];

/** Parses `text` keeping every member (repeats and order), or throws. */
function parse(text: string, reader: Reader): Node {
  let i = 0;
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const fail = (why: string): never => { throw new Error(`${why} at ${i}`); };
  const value = (): Node => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const members: [string, Node][] = [];
      ws();
      if (text[i] === "}") { i++; return { kind: "object", members }; }
      for (;;) {
        ws();
        const key = value();
        if (key.kind !== "string") fail("expected a key");
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        members.push([(key as { value: string }).value, value()]);
        ws();
        const next = text[i++];
        if (next === "}") return { kind: "object", members };
        if (next !== ",") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === "]") { i++; return { kind: "array", items }; }
      for (;;) {
        items.push(value());
        ws();
        const next = text[i++];
        if (next === "]") return { kind: "array", items };
        if (next !== ",") fail("expected ',' or ']'");
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
      if (!m) fail("bad string");
      i += m![0].length;
      return { kind: "string", value: reader.text(JSON.parse(m![0]) as string) };
    }
    const word = /^(?:true|false|null|NaN|-?Infinity|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!word) fail("unexpected character");
    i += word![0].length;
    const w = word![0];
    if (w === "true" || w === "false" || w === "null") return { kind: "literal", value: w === "null" ? null : w === "true" };
    if (/[NI]/.test(w) && !reader.nonFinite) fail("NaN and Infinity are not JSON");
    return { kind: "number", text: w };
  };
  const root = value();
  ws();
  if (i !== text.length) fail("data after the value");
  return root;
}

function plain(node: Node, reader: Reader): unknown {
  switch (node.kind) {
    case "string": return node.value;
    case "number": return reader.number(node.text);
    case "literal": return node.value;
    case "array": return node.items.map((n) => plain(n, reader));
    default: {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.members) out[k] = plain(v, reader);
      return out;
    }
  }
}

/** What `reader` reads at `path` (member names and array indexes) of the body: the last member that is the key to it. */
export function readAt(reader: Reader, body: Buffer, path: (string | number)[]): Read {
  const text = reader.decode(body);
  if (text instanceof Error) return { refused: text.message };
  let node: Node | undefined;
  try { node = parse(text, reader); } catch (error) { return { refused: (error as Error).message }; }
  for (const step of path) {
    if (node === undefined) break;
    if (typeof step === "number") node = node.kind === "array" ? node.items[step] : undefined;
    else node = node.kind === "object" ? node.members.filter(([k]) => reader.sameKey(k, step)).at(-1)?.[1] : undefined;
  }
  return { value: node === undefined ? undefined : plain(node, reader) };
}

/** Each reader's reading at `path`, by reader name. */
export function readings(body: Buffer, path: (string | number)[]): Record<string, Read> {
  return Object.fromEntries(READERS.map((r) => [r.name, readAt(r, body, path)]));
}

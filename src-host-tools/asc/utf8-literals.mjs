// An AssemblyScript compiler transform (asconfig.json "transform"): every string literal of at least
// MIN_LENGTH ASCII characters in the filter's own code (assembly/) becomes a call of utf8Literal()
// (assembly/literals.ts) on its UTF-8 bytes. AssemblyScript keeps literals as UTF-16 static strings,
// two bytes per ASCII character, and the long ones are mostly config diagnostics and error messages;
// as UTF-8 they take half. Literals in decorators and import paths are left alone.
import { Transform } from "assemblyscript/transform";
import { LiteralKind, Node, NodeKind } from "assemblyscript";

/** Shorter literals cost more as a call than they save (the call site and the cache slot). */
export const MIN_LENGTH = 32;
const HELPER = "assembly/literals";
const SKIP = new Set(["range", "decorators", "path", "internalPath", "source", "parent", "flags"]);

function isLong(node) {
  return node instanceof Node && node.kind === NodeKind.Literal && node.literalKind === LiteralKind.String &&
    node.value.length >= MIN_LENGTH && /^[\x00-\x7f]*$/.test(node.value);
}

export default class Utf8Literals extends Transform {
  afterParse(parser) {
    const helper = parser.sources.find((s) => s.internalPath === HELPER);
    if (!helper) return; // a build without the helper (none today: asconfig.json makes it an entry of every build)
    let count = 0;
    const replace = (node) => {
      const r = node.range;
      const int = (n) => Node.createIntegerLiteralExpression(i64_new(n, 0), r);
      const bytes = Buffer.from(node.value, "latin1");
      const data = Node.createCallExpression(
        Node.createPropertyAccessExpression(Node.createIdentifierExpression("memory", r), Node.createIdentifierExpression("data", r), r),
        [Node.createNamedType(Node.createSimpleTypeName("u8", r), null, false, r)],
        [Node.createArrayLiteralExpression([...bytes].map(int), r)], r);
      return Node.createCallExpression(Node.createIdentifierExpression("utf8Literal", r), null, [int(count++), data, int(bytes.length)], r);
    };
    const visit = (node) => {
      for (const key of Object.keys(node)) {
        if (SKIP.has(key)) continue;
        const value = node[key];
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            if (isLong(value[i])) value[i] = replace(value[i]);
            else if (value[i] instanceof Node) visit(value[i]);
          }
        } else if (isLong(value)) node[key] = replace(value);
        else if (value instanceof Node) visit(value);
      }
    };
    for (const source of parser.sources) {
      if (!source.internalPath.startsWith("assembly/") || source === helper) continue;
      for (const statement of source.statements) visit(statement);
    }
    // The cache's size: the helper's LITERAL_COUNT initializer.
    for (const statement of helper.statements) {
      for (const declaration of statement.declarations ?? []) {
        if (declaration.name?.text === "LITERAL_COUNT") { declaration.initializer = Node.createIntegerLiteralExpression(i64_new(Math.max(count, 1), 0), declaration.range); return; }
      }
    }
    throw new Error(`${HELPER}.ts has no LITERAL_COUNT: see src-host-tools/asc/utf8-literals.mjs`);
  }
}

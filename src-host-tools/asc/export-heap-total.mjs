// An AssemblyScript compiler transform (asconfig.json "transform"): exports `total` from the minimal
// runtime's collector (~lib/rt/tcms, the bytes of all managed objects, live or garbage), which the
// runtime keeps private. The filter runs that collector only when it asks, and asks when the heap
// has grown enough since the last collection (assembly/entry-points.ts), so it needs the figure.
// The transform changes one declaration's export flag and nothing else; a compiler whose runtime no
// longer has that declaration fails the build here, by name.
import { Transform } from "assemblyscript/transform";

const RUNTIME = "~lib/rt/tcms";
const EXPORT_FLAG = 2; // CommonFlags.Export

export default class ExportHeapTotal extends Transform {
  afterParse(parser) {
    const source = parser.sources.find((s) => s.internalPath === RUNTIME);
    if (!source) return; // a build without the minimal runtime (a test fixture, say): nothing to export
    for (const statement of source.statements) {
      for (const declaration of statement.declarations ?? []) {
        if (declaration.name?.text === "total") {
          declaration.flags |= EXPORT_FLAG;
          return;
        }
      }
    }
    throw new Error(`${RUNTIME} has no top-level \`total\`: the collector changed; see assembly/entry-points.ts`);
  }
}

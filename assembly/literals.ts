// Long string literals of the filter's own code, kept as UTF-8 (src-host-tools/asc/utf8-literals.mjs
// rewrites each one into a call of this function): AssemblyScript stores a literal as UTF-16, two
// bytes per ASCII character, and most long literals are config diagnostics and error messages.
// Each literal is decoded the first time its expression runs and kept, so later runs cost one load.

/** How many literals the transform rewrote (it sets this). */
// @ts-ignore: decorator
@inline const LITERAL_COUNT: i32 = 0;

// Allocated on first use, not by a top-level initializer: a literal may run in another file's
// top-level code before this file's would have.
let decoded: StaticArray<string | null> | null = null;

/** Literal number `k`: `length` UTF-8 bytes at `data`, decoded once. */
// @ts-ignore: decorator
@global
function utf8Literal(k: i32, data: usize, length: i32): string {
  let table = decoded;
  if (table === null) {
    table = new StaticArray<string | null>(LITERAL_COUNT);
    decoded = table;
  }
  const cached = unchecked(table[k]);
  if (changetype<usize>(cached) != 0) return changetype<string>(cached); // a pointer test, not a string compare
  const text = String.UTF8.decodeUnsafe(data, <usize>length);
  unchecked(table[k] = text);
  return text;
}

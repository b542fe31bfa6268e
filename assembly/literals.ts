// Long string literals of the filter's own code, kept as UTF-8 (src-host-tools/asc/utf8-literals.mjs
// rewrites each one into a call of this function): AssemblyScript stores a literal as UTF-16, two
// bytes per ASCII character, and most long literals are config diagnostics and error messages.
// Each literal is decoded the first time its expression runs and kept, so later runs cost one load.

/** How many literals the transform rewrote (it sets this). */
// @ts-ignore: decorator
@inline const LITERAL_COUNT: i32 = 0;

const DECODED = new StaticArray<string | null>(LITERAL_COUNT);

/** Literal number `k`: `length` UTF-8 bytes at `data`, decoded once. */
// @ts-ignore: decorator
@global
function utf8Literal(k: i32, data: usize, length: i32): string {
  const cached = unchecked(DECODED[k]);
  if (changetype<usize>(cached) != 0) return changetype<string>(cached); // no string compare: a pointer test
  const text = String.UTF8.decodeUnsafe(data, <usize>length);
  unchecked(DECODED[k] = text);
  return text;
}

// The output cap a request names in its client's API: what a quota reserves for its answer. The
// provider enforces it, so the worst case of a request is its input plus this cap.
import { ValueSpan } from "../json/scan";
import { Edit } from "../json/splice";
import { Operation, generates } from "../api";

/** The top-level fields that cap an answer, in the client APIs llm-mesh serves (Chat, Completions, Messages, Responses). */
export const OUTPUT_CAP_FIELDS = ["max_tokens", "max_completion_tokens", "max_output_tokens"];
/** How many answers one request asks for (OpenAI's `n`; `best_of` on Completions, all of them generated): each up to the cap. */
export const CHOICE_FIELDS = ["n", "best_of"];
/** Every top-level field the quota reads, in the order the scanner is given them (config/load.ts OUTPUT_CAP_KEY). */
export const QUOTA_FIELDS = OUTPUT_CAP_FIELDS.concat(CHOICE_FIELDS);
/** Caps above this are read as this: still more than any limit can hold, never an overflow. */
const HUGE_CAP: i64 = 1_000_000_000_000_000;

/** A request's output cap per answer (-1: it names none), how many answers it asks for, or why it cannot be read. */
export class OutputCap {
  cap: i64 = -1;
  choices: i64 = 1;
  error: string | null = null;
}

/** The output of all of a request's answers at most: `cap` (per answer, -1: none) times `choices`. */
export function totalCap(cap: i64, choices: i64): i64 {
  if (cap < 0) return -1;
  return choices > 1 && cap > HUGE_CAP / choices ? HUGE_CAP : cap * choices;
}

/**
 * The largest cap among `spans` (one per QUOTA_FIELDS entry, `names` for messages; the largest `n`
 * or `best_of` the number of answers): a provider that reads a field of
 * another API than the client's is still bounded. Null is no cap (OpenAI documents it); anything but
 * a non-negative integer is refused, so that a provider's lenient parser (a string, 1e3) never reads
 * a cap llm-mesh did not reserve for. Operations without an answer to cap (embeddings, count_tokens) have 0.
 */
export function outputCap(op: Operation, base: usize, spans: ValueSpan[], names: string[] = QUOTA_FIELDS): OutputCap {
  const out = new OutputCap();
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (s.count != 1 || s.firstByte == 0x6e) continue;
    const value = integerAt(base, s.start, s.end);
    if (value < 0) { out.error = names[i] + " must be a non-negative integer or null"; return out; }
    if (i < OUTPUT_CAP_FIELDS.length) out.cap = max<i64>(out.cap, value);
    else out.choices = max<i64>(out.choices, value);
  }
  if (!generates(op)) out.cap = 0;
  return out;
}

/**
 * The field a request of `op` names its cap in, for llm-mesh to add one (`chatField`: the one the
 * backend takes for chat, max_tokens or max_completion_tokens); "" for operations without output.
 */
export function outputCapField(op: Operation, chatField: string): string {
  if (op == Operation.ChatCompletions) return chatField;
  if (op == Operation.Completions || op == Operation.Messages) return "max_tokens";
  if (op == Operation.Responses) return "max_output_tokens";
  return "";
}

/** OpenAI's documented default for /v1/completions: what llm-mesh sends when its limit's cap is larger. */
const COMPLETIONS_DEFAULT_CAP: i64 = 16;

/** The cap llm-mesh adds to a request of `op` that names none: the limit's, but never more than the API's own default. */
export function defaultCapOf(op: Operation, limitCap: i64): i64 {
  return op == Operation.Completions && limitCap > COMPLETIONS_DEFAULT_CAP ? COMPLETIONS_DEFAULT_CAP : limitCap;
}

/**
 * The edits that lower each cap field (OUTPUT_CAP_FIELDS, spans in their order) above `limit` to
 * it: a splice of the number, so that translation carries the clamped cap into the backend's field.
 * Call on a body outputCap has read (every cap a non-negative integer or null).
 */
export function clampEdits(base: usize, spans: ValueSpan[], limit: i64): Edit[] {
  const edits = new Array<Edit>();
  const text = String.UTF8.encode(limit.toString());
  for (let i = 0; i < OUTPUT_CAP_FIELDS.length; i++) {
    const s = spans[i];
    if (s.count == 1 && s.firstByte != 0x6e && integerAt(base, s.start, s.end) > limit) edits.push(new Edit(s.start, s.end, text));
  }
  return edits;
}

/** The JSON number in [start, end) as a non-negative integer (plain digits only), or -1. */
function integerAt(base: usize, start: i32, end: i32): i64 {
  if (end <= start) return -1;
  let value: i64 = 0;
  for (let i = start; i < end; i++) {
    const c = <i32>load<u8>(base + <usize>i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value < HUGE_CAP / 10 ? value * 10 + (c - 0x30) : HUGE_CAP;
  }
  return min<i64>(value, HUGE_CAP);
}

// A Gemini client's output cap and number of answers: generationConfig.maxOutputTokens and
// candidateCount, or their proto snake_case names (Google's parser reads both). Read with the
// strictness of the top-level cap fields (output-cap.ts), so that Google's parser never reads a cap
// llm-mesh did not reserve for. Only Gemini generate bodies pay for this scan of one nested object.
import { SAME_KEY } from "../json/fold";
import { ScanResult, ValueSpan, scanRequestInto } from "../json/scan";
import { Edit } from "../json/splice";
import { QUOTA_FIELDS } from "./output-cap";

/** The two spellings of Gemini's generation config: top-level keys the request scan finds (config/load.ts GEMINI_CONFIG_KEY). */
export const GEMINI_CONFIG_FIELDS = ["generationConfig", "generation_config"];
/** The fields read inside it, each spelling beside the other. */
const INNER = ["maxOutputTokens", "max_output_tokens", "candidateCount", "candidate_count"];
const INNER_KEYS = StaticArray.fromArray<ArrayBuffer>([
  String.UTF8.encode(INNER[0]), String.UTF8.encode(INNER[1]), String.UTF8.encode(INNER[2]), String.UTF8.encode(INNER[3]),
]);
/** Where Gemini's two fields sit among QUOTA_FIELDS' spans: the cap first, the answers at `n`'s place. */
const CAP_SLOT = 0;
const COUNT_SLOT = QUOTA_FIELDS.indexOf("n");

/** What a Gemini body names, or why it is refused. */
export class GeminiCapRead {
  error: string | null = null;
  /** Spans in QUOTA_FIELDS order, offsets into the whole body: the cap at 0, the count at `n`'s; the others absent. */
  spans: ValueSpan[] = new Array<ValueSpan>(QUOTA_FIELDS.length);
  /** The field names for outputCap's messages, in the same order. */
  names: string[] = new Array<string>(QUOTA_FIELDS.length);
  /** The generationConfig member (count 0: absent); its closing brace and member count when it is an object. */
  config: ValueSpan = new ValueSpan();
  close: i32 = -1;
  members: i32 = 0;
  snake: bool = false;
}

/**
 * Reads a Gemini generate body's cap fields. `camel` and `snake` are the spans of the two
 * spellings of generationConfig (each already at most once: the request scan refuses repeats).
 */
export function readGeminiCap(base: usize, camel: ValueSpan, snake: ValueSpan): GeminiCapRead {
  const out = new GeminiCapRead();
  for (let i = 0; i < out.spans.length; i++) { out.spans[i] = new ValueSpan(); out.names[i] = QUOTA_FIELDS[i]; }
  if (camel.count > 0 && snake.count > 0) { out.error = "generation_config: given as both generation_config and generationConfig"; return out; }
  out.snake = snake.count > 0;
  const config = out.snake ? snake : camel;
  out.config = config;
  const name = GEMINI_CONFIG_FIELDS[out.snake ? 1 : 0];
  const prefix = name + ".";
  out.names[CAP_SLOT] = prefix + INNER[out.snake ? 1 : 0];
  out.names[COUNT_SLOT] = prefix + INNER[out.snake ? 3 : 2];
  if (config.count == 0 || config.firstByte == 0x6e) return out;
  if (config.firstByte != 0x7b) { out.error = name + " must be an object"; return out; }
  const inner = scanRequestInto(new ScanResult(INNER.length), base + <usize>config.start, config.end - config.start, INNER_KEYS);
  if (inner.error !== null) { out.error = inner.error; return out; } // unreachable: the request scan checked this value
  for (let i = 0; i < INNER.length; i++) {
    if (inner.spans[i].count > 1) { out.error = "duplicate key \"" + INNER[i] + "\" in " + name + SAME_KEY; return out; }
  }
  for (let i = 0; i < INNER.length; i += 2) {
    if (inner.spans[i].count > 0 && inner.spans[i + 1].count > 0) { out.error = INNER[i + 1] + ": given as both " + INNER[i + 1] + " and " + INNER[i]; return out; }
    const s = inner.spans[i].count > 0 ? inner.spans[i] : inner.spans[i + 1];
    const slot = i == 0 ? CAP_SLOT : COUNT_SLOT;
    out.names[slot] = prefix + INNER[inner.spans[i].count > 0 ? i : i + 1];
    out.spans[slot] = shifted(s, config.start);
  }
  out.close = config.start + inner.closeBrace;
  out.members = inner.memberCount;
  return out;
}

/** A nested scan's span, with offsets into the whole body. */
function shifted(s: ValueSpan, by: i32): ValueSpan {
  const out = new ValueSpan();
  out.count = s.count;
  out.firstByte = s.firstByte;
  if (s.count > 0) { out.start = s.start + by; out.end = s.end + by; }
  return out;
}

/**
 * The edit that gives a Gemini body `cap` as its maxOutputTokens: in place of a null cap, into the
 * generationConfig object (in its spelling), in place of a null generationConfig, or a new one
 * before the body's closing brace (`closeBrace`, after `members` members).
 */
export function geminiCapEdit(read: GeminiCapRead, closeBrace: i32, members: i32, cap: i64): Edit {
  const present = read.spans[CAP_SLOT];
  const number = cap.toString();
  if (present.count == 1) return new Edit(present.start, present.end, String.UTF8.encode(number));
  const field = "\"" + INNER[read.snake ? 1 : 0] + "\":" + number;
  if (read.close >= 0) return new Edit(read.close, read.close, String.UTF8.encode((read.members > 0 ? "," : "") + field));
  const config = read.config;
  if (config.count == 1) return new Edit(config.start, config.end, String.UTF8.encode("{" + field + "}"));
  return new Edit(closeBrace, closeBrace, String.UTF8.encode((members > 0 ? "," : "") + "\"generationConfig\":{" + field + "}"));
}

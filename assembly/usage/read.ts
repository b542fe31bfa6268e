// Each API's usage object, as one table of field names, read into Usage. Translators read parsed
// events (readUsage over a JsonValue); meters read answers in place (readUsageAt over bytes, no
// tree). Both go through the same table, so a provider's figures are read one way.
import { JsonValue } from "../json/parse";
import { ScanResult, scanInto } from "../json/scan";
import { integerAt, objectAt } from "../json/members";
import { keys, spanI64 } from "../json/spans";
import { WireApi } from "../api";
import { Usage } from "./usage";

/** Where an API puts its figures. Cache writes count as input; `inputExcludesCache`: add reads and writes to input. */
class UsageFields {
  /** input, output, cache read, cache write, details object (input side), details object (output side), thoughts, cache-write details object */
  names: StaticArray<ArrayBuffer>;
  /** In the input details object: cached, cache write. */
  cachedNames: StaticArray<ArrayBuffer>;
  reasoningNames: StaticArray<ArrayBuffer>;
  /** In the cache-write details object: the 1-hour writes. */
  write1hNames: StaticArray<ArrayBuffer>;
  constructor(
    public input: string, public output: string,
    public cacheRead: string, public cacheWrite: string,
    public inputDetails: string, public cachedInDetails: string, public writeInDetails: string,
    public outputDetails: string, public reasoningInDetails: string,
    /** Gemini's thinking tokens: billed as output, reported apart. */
    public thoughts: string,
    /** Anthropic's cache_creation object and its 1-hour figure. */
    public writeDetails: string, public write1hInDetails: string,
    public inputExcludesCache: bool,
  ) {
    this.names = keys([input, output, cacheRead, cacheWrite, inputDetails, outputDetails, thoughts, writeDetails]);
    this.cachedNames = keys([cachedInDetails, writeInDetails]);
    this.reasoningNames = keys([reasoningInDetails, ""]);
    this.write1hNames = keys([write1hInDetails, ""]);
  }
}

// OpenAI chat: cache_write_tokens in prompt_tokens_details is the hub's (and OpenRouter's) field for cache writes; OpenAI itself reports none.
const OPENAI = new UsageFields("prompt_tokens", "completion_tokens", "", "", "prompt_tokens_details", "cached_tokens", "cache_write_tokens", "completion_tokens_details", "reasoning_tokens", "", "", "", false);
const RESPONSES = new UsageFields("input_tokens", "output_tokens", "", "", "input_tokens_details", "cached_tokens", "", "output_tokens_details", "reasoning_tokens", "", "", "", false);
const ANTHROPIC = new UsageFields("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "", "", "", "", "", "", "cache_creation", "ephemeral_1h_input_tokens", true);
const GEMINI = new UsageFields("promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "", "", "", "", "", "", "thoughtsTokenCount", "", "", false);
const BEDROCK = new UsageFields("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens", "", "", "", "", "", "", "", "", true);

function fieldsOf(api: WireApi): UsageFields {
  if (api == WireApi.Anthropic) return ANTHROPIC;
  if (api == WireApi.Responses) return RESPONSES;
  if (api == WireApi.Gemini) return GEMINI;
  if (api == WireApi.Bedrock) return BEDROCK;
  return OPENAI;
}

/** The figures as read, -1 where absent; turned into Usage one way for both readers. */
class Figures {
  input: i64 = -1; output: i64 = -1; read: i64 = -1; written: i64 = -1;
  cachedDetail: i64 = -1; writtenDetail: i64 = -1; reasoningDetail: i64 = -1; thoughts: i64 = -1; written1h: i64 = -1;
}
const FIGURES = new Figures();

function apply(f: UsageFields, g: Figures, into: Usage): void {
  const cacheRead = max<i64>(g.read, 0) + max<i64>(g.cachedDetail, 0);
  const written = max<i64>(g.written, 0) + max<i64>(g.writtenDetail, 0);
  if (g.input >= 0) into.reportInput(f.inputExcludesCache ? g.input + cacheRead + written : g.input, cacheRead, written, g.written1h);
  // A stream's first report may hold input only (Anthropic's message_start counts output 1 so far).
  if (g.output >= 0 || g.thoughts > 0) into.reportOutput(max<i64>(g.output, 0) + max<i64>(g.thoughts, 0), max<i64>(g.reasoningDetail, 0) + max<i64>(g.thoughts, 0));
}

function integerOf(v: JsonValue, key: string): i64 {
  return key.length == 0 ? -1 : integerAt(v, key, -1);
}

function detailOf(v: JsonValue, object: string, key: string): i64 {
  if (object.length == 0 || key.length == 0) return -1;
  const details = objectAt(v, object);
  return details !== null ? integerAt(details!, key, -1) : -1;
}

/** A parsed usage object of `api`. */
export function readUsage(api: WireApi, usage: JsonValue, into: Usage): void {
  const f = fieldsOf(api);
  const g = FIGURES;
  g.input = integerOf(usage, f.input); g.output = integerOf(usage, f.output);
  g.read = integerOf(usage, f.cacheRead); g.written = integerOf(usage, f.cacheWrite);
  g.cachedDetail = detailOf(usage, f.inputDetails, f.cachedInDetails); g.writtenDetail = detailOf(usage, f.inputDetails, f.writeInDetails);
  g.reasoningDetail = detailOf(usage, f.outputDetails, f.reasoningInDetails); g.thoughts = integerOf(usage, f.thoughts);
  g.written1h = detailOf(usage, f.writeDetails, f.write1hInDetails);
  apply(f, g, into);
}

// Scratch for the in-place reader: one request at a time per VM, so static results are safe.
const OUTER = new ScanResult(8);
const INNER = new ScanResult(2);
/** Where the object INNER was scanned from starts. */
let INNER_AT: usize = 0;

/** Scans the object at `outer.spans[index]` for `names` into INNER; false when it is not an object. */
function scanDetails(base: usize, outer: ScanResult, index: i32, names: StaticArray<ArrayBuffer>): bool {
  const span = outer.spans[index];
  if (names[0].byteLength == 0 || span.count != 1 || span.firstByte != 0x7b) return false;
  const at = base + <usize>span.start;
  if (scanInto(INNER, at, span.end - span.start, names).error !== null) return false;
  INNER_AT = at;
  return true;
}

/** A usage object of `api` as JSON text at [base, base+length), read in place. */
export function readUsageAt(api: WireApi, base: usize, length: i32, into: Usage): void {
  const f = fieldsOf(api);
  if (scanInto(OUTER, base, length, f.names).error !== null) return;
  const s = OUTER.spans;
  const g = FIGURES;
  g.input = spanI64(base, s[0]); g.output = spanI64(base, s[1]); g.read = spanI64(base, s[2]); g.written = spanI64(base, s[3]);
  g.thoughts = spanI64(base, s[6]);
  g.cachedDetail = -1; g.writtenDetail = -1; g.reasoningDetail = -1; g.written1h = -1;
  if (scanDetails(base, OUTER, 4, f.cachedNames)) { g.cachedDetail = spanI64(INNER_AT, INNER.spans[0]); g.writtenDetail = spanI64(INNER_AT, INNER.spans[1]); }
  if (scanDetails(base, OUTER, 5, f.reasoningNames)) g.reasoningDetail = spanI64(INNER_AT, INNER.spans[0]);
  if (scanDetails(base, OUTER, 7, f.write1hNames)) g.written1h = spanI64(INNER_AT, INNER.spans[0]);
  apply(f, g, into);
}

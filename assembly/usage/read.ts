// Each API's usage object, as one table of field names, read into Usage. Translators read parsed
// events (readUsage over a JsonValue); meters read answers in place (readUsageAt over bytes, no
// tree). Both go through the same table, so a provider's figures are read one way.
import { JsonValue } from "../json/parse";
import { ScanResult, scanInto } from "../json/scan";
import { integerAt, objectAt } from "../translate/json-read";
import { keys, spanI64 } from "../translate/spans";
import { WireApi } from "../translate/translator";
import { Usage } from "./usage";

/** Where an API puts its figures. Cache writes count as input; `inputExcludesCache`: add reads and writes to input. */
class UsageFields {
  /** input, output, cache read, cache write, details object (input side), its cached field, details object (output side), its reasoning field, thoughts */
  names: StaticArray<ArrayBuffer>;
  cachedNames: StaticArray<ArrayBuffer>;
  reasoningNames: StaticArray<ArrayBuffer>;
  constructor(
    public input: string, public output: string,
    public cacheRead: string, public cacheWrite: string,
    public inputDetails: string, public cachedInDetails: string,
    public outputDetails: string, public reasoningInDetails: string,
    /** Gemini's thinking tokens: billed as output, reported apart. */
    public thoughts: string,
    public inputExcludesCache: bool,
  ) {
    this.names = keys([input, output, cacheRead, cacheWrite, inputDetails, outputDetails, thoughts]);
    this.cachedNames = keys([cachedInDetails]);
    this.reasoningNames = keys([reasoningInDetails]);
  }
}

const OPENAI = new UsageFields("prompt_tokens", "completion_tokens", "", "", "prompt_tokens_details", "cached_tokens", "completion_tokens_details", "reasoning_tokens", "", false);
const RESPONSES = new UsageFields("input_tokens", "output_tokens", "", "", "input_tokens_details", "cached_tokens", "output_tokens_details", "reasoning_tokens", "", false);
const ANTHROPIC = new UsageFields("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "", "", "", "", "", true);
const GEMINI = new UsageFields("promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "", "", "", "", "", "thoughtsTokenCount", false);
const BEDROCK = new UsageFields("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens", "", "", "", "", "", true);

function fieldsOf(api: WireApi): UsageFields {
  if (api == WireApi.Anthropic) return ANTHROPIC;
  if (api == WireApi.Responses) return RESPONSES;
  if (api == WireApi.Gemini) return GEMINI;
  if (api == WireApi.Bedrock) return BEDROCK;
  return OPENAI;
}

/** The figures as read, -1 where absent; turned into Usage one way for both readers. */
function apply(f: UsageFields, input: i64, output: i64, read: i64, written: i64, cachedDetail: i64, reasoningDetail: i64, thoughts: i64, into: Usage): void {
  const cacheRead = max<i64>(read, 0) + max<i64>(cachedDetail, 0);
  if (input >= 0) into.reportInput(f.inputExcludesCache ? input + cacheRead + max<i64>(written, 0) : input, cacheRead);
  // A stream's first report may hold input only (Anthropic's message_start counts output 1 so far).
  if (output >= 0 || thoughts > 0) into.reportOutput(max<i64>(output, 0) + max<i64>(thoughts, 0), max<i64>(reasoningDetail, 0) + max<i64>(thoughts, 0));
}

function integerOf(v: JsonValue, key: string): i64 {
  return key.length == 0 ? -1 : integerAt(v, key, -1);
}

function detailOf(v: JsonValue, object: string, key: string): i64 {
  if (object.length == 0) return -1;
  const details = objectAt(v, object);
  return details !== null ? integerAt(details!, key, -1) : -1;
}

/** A parsed usage object of `api`. */
export function readUsage(api: WireApi, usage: JsonValue, into: Usage): void {
  const f = fieldsOf(api);
  apply(f, integerOf(usage, f.input), integerOf(usage, f.output), integerOf(usage, f.cacheRead), integerOf(usage, f.cacheWrite),
    detailOf(usage, f.inputDetails, f.cachedInDetails), detailOf(usage, f.outputDetails, f.reasoningInDetails), integerOf(usage, f.thoughts), into);
}

// Scratch for the in-place reader: one request at a time per VM, so static results are safe.
const OUTER = new ScanResult(7);
const INNER = new ScanResult(1);

function detailAt(base: usize, outer: ScanResult, index: i32, key: StaticArray<ArrayBuffer>): i64 {
  const span = outer.spans[index];
  if (key[0].byteLength == 0 || span.count != 1 || span.firstByte != 0x7b) return -1;
  const at = base + <usize>span.start;
  if (scanInto(INNER, at, span.end - span.start, key).error !== null) return -1;
  return spanI64(at, INNER.spans[0]);
}

/** A usage object of `api` as JSON text at [base, base+length), read in place. */
export function readUsageAt(api: WireApi, base: usize, length: i32, into: Usage): void {
  const f = fieldsOf(api);
  if (scanInto(OUTER, base, length, f.names).error !== null) return;
  const s = OUTER.spans;
  apply(f, spanI64(base, s[0]), spanI64(base, s[1]), spanI64(base, s[2]), spanI64(base, s[3]),
    detailAt(base, OUTER, 4, f.cachedNames), detailAt(base, OUTER, 5, f.reasoningNames), spanI64(base, s[6]), into);
}

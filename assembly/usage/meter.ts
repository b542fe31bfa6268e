// Reads usage from answers that pass untranslated (client and provider speak the same API): a JSON
// answer in place, or chunk by chunk without holding it; a stream event by event. The one edit a meter makes:
// when llm-mesh asked an OpenAI stream for usage the client did not ask for, the usage-only chunk
// is cut out, so the client gets exactly the stream it asked for.
import { JsonKind, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { EventSink, MAX_EVENT_BYTES, SseScanner } from "../stream/sse";
import { arrayAt, objectAt, stringAt } from "../json/members";
import { WireApi } from "../api";
import { TopLevelCapture } from "./json-capture";
import { ScanResult, decodeStringValue, scanInto } from "../json/scan";
import { isString, keys } from "../json/spans";
import { readUsage, readUsageAt } from "./read";
import { Usage } from "./usage";

export abstract class UsageMeter {
  usage: Usage = new Usage();
  /** A stream's answer is whole (a finish reason, or an error the provider sent itself), though its end marker may be missing. */
  answered: bool = false;
  constructor(public api: WireApi, public stream: bool) {}

  /** False for a stream that ended before its answer did: the client is told so in its stream. */
  whole(): bool { return !this.stream || this.usage.streamEnded || this.answered; }
  /** A chunk of the answer as it passes (`last`: the answer ended). Returns what the client gets instead, or null for the chunk unchanged. */
  abstract push(chunk: ArrayBuffer, last: bool): ArrayBuffer | null;
  /** Line ends that close what the client got so far, so an error event added after it stands alone. */
  closing(): string { return ""; }
}

/** A meter for a 2xx answer of `api`; `dropUsageChunk` when llm-mesh added stream_options.include_usage. */
export function meterFor(api: WireApi, stream: bool, dropUsageChunk: bool): UsageMeter {
  return stream ? new StreamMeter(api, dropUsageChunk) : new JsonMeter(api);
}

const ANSWER_KEYS = keys(["usage", "model"]);
/** Gemini names them apart: usageMetadata and modelVersion. */
const GEMINI_ANSWER_KEYS = keys(["usageMetadata", "modelVersion"]);
/** Scratch for the in-place scan: one answer at a time per VM. */
const ANSWER_SCAN = new ScanResult(2);

/**
 * OpenAI, Anthropic and Responses answers all carry top-level `usage` and `model`. An answer that
 * arrives in one piece (the usual small one) is scanned in place; one in many pieces goes through
 * TopLevelCapture, which keeps only those two values.
 */
class JsonMeter extends UsageMeter {
  constructor(api: WireApi) { super(api, false); }
  private capture: TopLevelCapture | null = null;

  push(chunk: ArrayBuffer, last: bool): ArrayBuffer | null {
    if (last && this.capture === null) {
      this.readWhole(changetype<usize>(chunk), chunk.byteLength);
      return null;
    }
    if (this.capture === null) this.capture = new TopLevelCapture(this.api == WireApi.Gemini ? ["usageMetadata", "modelVersion"] : ["usage", "model"]);
    const capture = this.capture!;
    capture.push(changetype<usize>(chunk), chunk.byteLength);
    if (last) {
      const usage = capture.values[0];
      if (usage !== null) this.readUsage(changetype<usize>(usage!), usage!.byteLength);
      const model = capture.values[1];
      if (model !== null) this.readModel(changetype<usize>(model!), model!.byteLength);
      this.estimateIfUnreported(capture.bytesSeen);
    }
    return null;
  }

  private readWhole(base: usize, length: i32): void {
    const scan = scanInto(ANSWER_SCAN, base, length, this.api == WireApi.Gemini ? GEMINI_ANSWER_KEYS : ANSWER_KEYS);
    if (scan.error === null) {
      const usage = scan.spans[0];
      if (usage.count == 1) this.readUsage(base + <usize>usage.start, usage.end - usage.start);
      const model = scan.spans[1];
      if (isString(model)) this.usage.responseModel = decodeStringValue(base, model.start, model.end, model.escaped);
    }
    this.estimateIfUnreported(length);
  }

  private readUsage(at: usize, length: i32): void {
    if (length >= 2 && load<u8>(at) == 0x7b) readUsageAt(this.api, at, length, this.usage);
  }

  private readModel(at: usize, length: i32): void {
    const parsed = parseJson(String.UTF8.decodeUnsafe(at, <usize>length));
    if (parsed.value !== null && parsed.value!.kind == JsonKind.String) this.usage.responseModel = parsed.value!.text;
  }

  /** Without figures, the estimate goes by the whole answer's size. */
  private estimateIfUnreported(bytes: i64): void {
    if (!this.usage.outputReported) this.usage.textBytes = bytes;
  }
}

/** The bytes valueAfter looks for: a member's name as providers write it, quoted, then its colon. */
function keyPattern(name: string): ArrayBuffer { return String.UTF8.encode("\"" + name + "\":"); }

const USAGE_KEY = keyPattern("usage");
/** How OpenAI ends a chunk that carries no usage when usage was asked for: checked before any search. */
const NULL_USAGE_TAIL = String.UTF8.encode("\"usage\":null}");
const MODEL_KEY = keyPattern("model");
const CONTENT_KEY = keyPattern("content");
const TEXT_KEY = keyPattern("text");
const FINISH_KEY = keyPattern("finish_reason");
const ERROR_START = String.UTF8.encode("{\"error\":");
const PARTIAL_JSON_KEY = keyPattern("partial_json");
const DELTA_KEY = keyPattern("delta");
const GEMINI_FINISH_KEY = keyPattern("finishReason");
const GEMINI_USAGE_KEY = keyPattern("usageMetadata");

/**
 * Where `needle` (2+ bytes) first occurs in [ptr, ptr+length), or -1. Sixteen candidate positions a
 * step: those whose first and last bytes both match (a quote, then a colon n-1 bytes later, is rare).
 */
function indexOf(ptr: usize, length: i32, needle: ArrayBuffer): i32 {
  const n = needle.byteLength;
  const at = changetype<usize>(needle);
  const firsts = i8x16.splat(load<u8>(at));
  const lasts = i8x16.splat(load<u8>(at + <usize>(n - 1)));
  let i = 0;
  while (i + n - 1 + 16 <= length) {
    let mask = i8x16.bitmask(v128.and(i8x16.eq(v128.load(ptr + <usize>i), firsts), i8x16.eq(v128.load(ptr + <usize>(i + n - 1)), lasts)));
    while (mask != 0) {
      const j = i + ctz(mask);
      if (memory.compare(ptr + <usize>j, at, <usize>n) == 0) return j;
      mask &= mask - 1;
    }
    i += 16;
  }
  for (; i + n <= length; i++) {
    if (memory.compare(ptr + <usize>i, at, <usize>n) == 0) return i;
  }
  return -1;
}

/** The first non-space byte after `key` (a `"name":` pattern), as an offset, or -1. */
function valueAfter(ptr: usize, length: i32, key: ArrayBuffer): i32 {
  const at = indexOf(ptr, length, key);
  if (at < 0) return -1;
  let i = at + key.byteLength;
  while (i < length) {
    const c = load<u8>(ptr + <usize>i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return i;
    i++;
  }
  return -1;
}

/** Bytes of the JSON string value after `key` (escapes counted as written), or 0. */
function stringBytesAfter(ptr: usize, length: i32, key: ArrayBuffer): i32 {
  const start = valueAfter(ptr, length, key);
  if (start < 0 || load<u8>(ptr + <usize>start) != 0x22) return 0;
  let i = start + 1;
  while (i < length) {
    const c = load<u8>(ptr + <usize>i);
    if (c == 0x5c) { i += 2; continue; }
    if (c == 0x22) return i - start - 1;
    i++;
  }
  return 0;
}

/**
 * A stream of `api` events. Events are read in place as they complete (a partial one waits); the
 * bytes themselves pass as they came, unless a usage-only chunk must be cut: then the client gets
 * whole events only, and the partial one follows with the next chunk.
 */
class StreamMeter extends UsageMeter {
  private scanner: SseScanner = new SseScanner(MAX_EVENT_BYTES);
  private broken: bool = false;
  private sink: MeterSink | null = null;

  constructor(api: WireApi, private dropUsageChunk: bool) {
    super(api, true);
    this.sink = new MeterSink(this);
  }

  /** How many line ends the bytes passed so far end with (2: a blank line, the end of an event). */
  private lineEnds: i32 = 2;

  closing(): string { return this.lineEnds >= 2 ? "" : this.lineEnds == 1 ? "\n" : "\n\n"; }

  push(chunk: ArrayBuffer, last: bool): ArrayBuffer | null {
    const n = chunk.byteLength;
    if (n > 0) {
      const base = changetype<usize>(chunk);
      const a = load<u8>(base + <usize>(n - 1));
      this.lineEnds = a != 0x0a ? 0 : n > 1 && load<u8>(base + <usize>(n - 2)) == 0x0a ? 2 : n == 1 && this.lineEnds >= 1 ? 2 : 1;
    }
    if (this.broken) return null;
    const sink = this.sink!;
    sink.reset();
    const scanner = this.scanner;
    const consumed = scanner.push(chunk, last, sink);
    // The window: bytes held back from earlier chunks (only when cutting), this chunk, and at the end two line ends.
    const data = scanner.window;
    const held = scanner.heldBefore;
    const real = held + chunk.byteLength;
    if (consumed < 0) {
      // An event over the bound: stop metering (nothing more is held) and pass the rest on as it is.
      this.broken = true;
      return this.dropUsageChunk && held > 0 ? data.slice(0, real) : null;
    }
    if (!this.dropUsageChunk) return null;
    // The client gets the complete events, without the usage-only one.
    const upTo = min<i32>(last ? real : consumed, real);
    if (sink.cutStart < 0 && held == 0 && upTo == chunk.byteLength) return null;
    const cutStart = sink.cutStart < 0 ? upTo : sink.cutStart;
    const cutEnd = sink.cutStart < 0 ? upTo : min<i32>(sink.cutEnd, upTo);
    const out = new ArrayBuffer(upTo - (cutEnd - cutStart));
    memory.copy(changetype<usize>(out), changetype<usize>(data), <usize>cutStart);
    memory.copy(changetype<usize>(out) + <usize>cutStart, changetype<usize>(data) + <usize>cutEnd, <usize>(upTo - cutEnd));
    return out;
  }

  /** Reads one event; true when it is the usage-only chunk llm-mesh asked for (to be cut). */
  observe(name: string, ptr: usize, length: i32): bool {
    if (this.api == WireApi.Anthropic) { this.observeAnthropic(name, ptr, length); return false; }
    if (this.api == WireApi.Responses) { this.observeResponses(name, ptr, length); return false; }
    if (this.api == WireApi.Gemini) { this.observeGemini(ptr, length); return false; }
    return this.observeOpenAI(ptr, length);
  }

  private observeOpenAI(ptr: usize, length: i32): bool {
    const u = this.usage;
    if (length == 6 && memory.compare(ptr, changetype<usize>(DONE), 6) == 0) { u.streamEnded = true; return false; }
    // Some OpenAI-compatible servers end without [DONE]: a finish reason (or the provider's own error) means the answer is whole.
    if (!this.answered) {
      const finish = valueAfter(ptr, length, FINISH_KEY);
      this.answered = finish >= 0 && load<u8>(ptr + <usize>finish) == 0x22 || length > 9 && memory.compare(ptr, changetype<usize>(ERROR_START), 9) == 0;
    }
    if (u.responseModel.length == 0) {
      const at = valueAfter(ptr, length, MODEL_KEY);
      if (at >= 0 && load<u8>(ptr + <usize>at) == 0x22) u.responseModel = modelAt(ptr + <usize>at, length - at);
    }
    u.textBytes += stringBytesAfter(ptr, length, CONTENT_KEY);
    const tail = NULL_USAGE_TAIL.byteLength;
    // The top-level usage is unique: when it is the chunk's last member, and null, there is none to find.
    if (length >= tail && memory.compare(ptr + <usize>(length - tail), changetype<usize>(NULL_USAGE_TAIL), <usize>tail) == 0) return false;
    const usageAt = valueAfter(ptr, length, USAGE_KEY);
    if (usageAt < 0 || load<u8>(ptr + <usize>usageAt) != 0x7b) return false;
    const parsed = parseJson(String.UTF8.decodeUnsafe(ptr, <usize>length), MAX_ANSWER_VALUES);
    if (parsed.value === null) return false;
    const usage = objectAt(parsed.value!, "usage");
    if (usage === null) return false;
    readUsage(WireApi.OpenAI, usage!, u);
    const choices = arrayAt(parsed.value!, "choices");
    return this.dropUsageChunk && choices !== null && choices!.items.length == 0;
  }

  /** A GenerateContentResponse event: Gemini's stream has no end marker, so a finishReason (or an error) makes it whole. */
  private observeGemini(ptr: usize, length: i32): void {
    const u = this.usage;
    if (!this.answered) {
      const finish = valueAfter(ptr, length, GEMINI_FINISH_KEY);
      // The finish reason is the documented end of Gemini's stream: it is its own end marker.
      u.streamEnded = finish >= 0 && load<u8>(ptr + <usize>finish) == 0x22;
      this.answered = u.streamEnded || length > 9 && memory.compare(ptr, changetype<usize>(ERROR_START), 9) == 0;
    }
    u.textBytes += stringBytesAfter(ptr, length, TEXT_KEY);
    const usageAt = valueAfter(ptr, length, GEMINI_USAGE_KEY);
    if (usageAt < 0 || load<u8>(ptr + <usize>usageAt) != 0x7b) return;
    const parsed = parseJson(String.UTF8.decodeUnsafe(ptr, <usize>length), MAX_ANSWER_VALUES);
    if (parsed.value === null) return;
    const usage = objectAt(parsed.value!, "usageMetadata");
    if (usage !== null) readUsage(WireApi.Gemini, usage!, u);
    const model = stringAt(parsed.value!, "modelVersion");
    if (model !== null) u.responseModel = model!;
  }

  private observeAnthropic(name: string, ptr: usize, length: i32): void {
    if (name == "message_stop") { this.usage.streamEnded = true; return; }
    if (name == "error") { this.answered = true; return; }
    if (name == "content_block_delta") {
      this.usage.textBytes += stringBytesAfter(ptr, length, TEXT_KEY) + stringBytesAfter(ptr, length, PARTIAL_JSON_KEY);
      return;
    }
    if (name != "message_start" && name != "message_delta") return;
    const parsed = parseJson(String.UTF8.decodeUnsafe(ptr, <usize>length), MAX_ANSWER_VALUES);
    if (parsed.value === null) return;
    const message = name == "message_start" ? objectAt(parsed.value!, "message") : parsed.value;
    if (message === null) return;
    const model = stringAt(message!, "model");
    if (model !== null) this.usage.responseModel = model!;
    let usage = objectAt(message!, "usage");
    if (usage === null) usage = objectAt(parsed.value!, "usage");
    if (usage !== null) readUsage(WireApi.Anthropic, usage!, this.usage);
  }

  private observeResponses(name: string, ptr: usize, length: i32): void {
    if (name == "response.output_text.delta") {
      this.usage.textBytes += stringBytesAfter(ptr, length, DELTA_KEY);
      return;
    }
    if (name == "error") { this.answered = true; return; }
    if (name != "response.created" && name != "response.completed" && name != "response.incomplete" && name != "response.failed") return;
    const parsed = parseJson(String.UTF8.decodeUnsafe(ptr, <usize>length), MAX_ANSWER_VALUES);
    if (parsed.value === null) return;
    const response = objectAt(parsed.value!, "response");
    if (response === null) return;
    const model = stringAt(response!, "model");
    if (model !== null) this.usage.responseModel = model!;
    const usage = objectAt(response!, "usage");
    if (usage !== null) readUsage(WireApi.Responses, usage!, this.usage);
    if (name != "response.created") this.usage.streamEnded = true;
  }
}

const DONE = String.UTF8.encode("[DONE]");

/** Hands each decoded event to its meter and remembers where the one to cut lies. */
class MeterSink extends EventSink {
  cutStart: i32 = -1;
  cutEnd: i32 = -1;
  private lastEnd: i32 = 0;
  constructor(private meter: StreamMeter) { super(); }

  reset(): void { this.cutStart = -1; this.cutEnd = -1; this.lastEnd = 0; }

  event(name: string, holder: ArrayBuffer, offset: i32, length: i32, end: i32): void {
    if (this.meter.observe(name, changetype<usize>(holder) + <usize>offset, length)) {
      this.cutStart = this.lastEnd;
      this.cutEnd = end;
    }
    this.lastEnd = end;
  }
}

/** The JSON string at ptr (a model name: short, rarely escaped), decoded. */
function modelAt(ptr: usize, length: i32): string {
  let i = 1;
  while (i < length) {
    const c = load<u8>(ptr + <usize>i);
    if (c == 0x5c) { i += 2; continue; }
    if (c == 0x22) break;
    i++;
  }
  if (i >= length) return "";
  const parsed = parseJson(String.UTF8.decodeUnsafe(ptr, <usize>(i + 1)));
  return parsed.value !== null && parsed.value!.kind == JsonKind.String ? parsed.value!.text : "";
}

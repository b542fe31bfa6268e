// The one interface every conversion implements. A translator turns one API's request into
// another's and the answers back: request body, response body, stream events, errors. It never
// calls the host and knows nothing of hosts, paths or keys (those are the provider's); the filter
// hands it bytes and the facts below, and sends what it returns. One instance serves one request,
// so a stream's state (open blocks, tool indexes, usage so far) lives on it.
import { JsonKind, JsonValue, MAX_ANSWER_VALUES, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { SseEvent } from "../stream/sse";
import { Usage } from "../usage/usage";
import { WireApi } from "../api";

/** What the filter decided before translating: the translator's only inputs besides the body. */
export class TranslateFacts {
  /** The model to send upstream. */
  model: string = "";
  /** max_tokens when the client gave none and the API requires one (Anthropic). */
  defaultMaxTokens: i32 = 4096;
  /** The field an OpenAI-family backend takes the output limit in (max_tokens or max_completion_tokens). */
  maxTokensField: string = "max_tokens";
  /** Seconds since the epoch, for the `created` field of OpenAI answers. */
  nowSeconds: i64 = 0;
  /** The provider's keys: removed from any provider message a translator passes on mid-stream. */
  secrets: string[] = [];
  /** The route's hostedTools is "refuse": a hosted tool the backend lacks is a 400, not dropped. */
  refuseHostedTools: bool = false;
  /** The backend documents OpenAI's prompt_cache_key (cache-marks.ts). */
  promptCacheKey: bool = false;
  /** The request is on its way between two composed translators: the hub's own fields may be written (reasoning.ts). */
  hub: bool = false;
}

/** A translated request body, or a refusal of it (a 400 in the client's schema). */
export class TranslatedRequest {
  body: ArrayBuffer | null = null;
  error: string | null = null;
  /** The client asked for a stream (providers whose path or framing differs for streams read it). */
  stream: bool = false;
  /** Tool and input item types left out because the backend has nothing like them (x-llm-mesh-dropped-tools). */
  dropped: string[] = [];
  static refused(message: string): TranslatedRequest { const r = new TranslatedRequest(); r.error = message; return r; }
  static of(w: JsonWriter, stream: bool, dropped: string[] | null = null): TranslatedRequest {
    const r = new TranslatedRequest();
    r.body = w.toBuffer();
    r.stream = stream;
    if (dropped !== null) r.dropped = dropped!;
    return r;
  }
}

/** A whole answer body parsed, within the bound on an answer's values; null when it is not JSON (or, `objectOnly`, not an object). */
export function parseAnswer(body: ArrayBuffer, objectOnly: bool = false): JsonValue | null {
  const answer = parseJson(String.UTF8.decode(body), MAX_ANSWER_VALUES).value;
  return answer === null || objectOnly && answer.kind != JsonKind.Object ? null : answer;
}

/** An error for the client: status and body, in the client's API schema. */
export class ClientError {
  constructor(public status: i32, public body: string) {}
}

export abstract class Translator {
  /** What the provider reported it used, read as the answer passes (usage/read.ts). */
  usage: Usage = new Usage();

  constructor(public client: WireApi, public backend: WireApi) {}

  /** The client's request (parsed, model already validated) as the backend's request. */
  abstract request(body: JsonValue, facts: TranslateFacts): TranslatedRequest;

  /** A whole non-streaming 2xx response body; null when it is not what the backend documents. */
  abstract response(body: ArrayBuffer): ArrayBuffer | null;

  /** One upstream stream event; writes zero or more client events to `out`. */
  abstract event(event: SseEvent, out: JsonWriter): void;

  /** The upstream stream ended; writes what closes the client's stream (an error event when it was cut short). */
  abstract endStream(out: JsonWriter): void;

  /**
   * The provider's stream broke (an event over its bound, a frame that fails its checks): writes
   * an error event saying `message` in the client's format, which ends the client's stream.
   */
  abort(out: JsonWriter, message: string): void { this.endStream(out); }

  /** An upstream error (status >= 400) in the client's schema. `body` has had secrets removed. */
  abstract error(status: i32, body: string | null, fallback: string): ClientError;
}

// What one request carries from step to step, whichever pipeline (pipelines/) it goes through.
// Steps read the compiled config and this state and return what to do; state that only one
// pipeline uses lives in that pipeline.
import { HeaderSnapshot } from "../headers";
import { Operation, WireApi } from "../api";
import { Backend, Route } from "../routing";
import { StreamDecoder } from "../stream/sse";
import { JsonWriter } from "../json/writer";
import { Translator } from "../translate/translator";
import { Measurement } from "../metrics/measurement";
import { UsageMeter } from "../usage/meter";
import { Consumer } from "../consumers/config";
import { Reservation } from "../consumers/quota";
import { RequestPolicy } from "../policy/config";
import { SecretScanner } from "../safety/secret-scanner";
import { SecretMatcher } from "../safety/secret-matcher";

/**
 * How a provider's response is handled: passed on; an error vetted (or replaced when the provider
 * refused our key) and then the rest dropped; or a success translated, whole (JSON) or event by event (SSE),
 * or read for its usage as it passes (Meter).
 */
export enum ResponseMode { Pass, Vet, ReplaceAuth, Drop, TranslateJson, TranslateStream, Meter }

/** The reservations of a request no quota has admitted: shared, so never added to (admitQuota gives a request its own list). */
export const NO_RESERVATIONS: Reservation[] = [];

export class RequestState {
  /** The request headers as read once; edited in the VM and written back once. */
  headers: HeaderSnapshot | null = null;
  /** Routes whose header conditions hold, in order, up to the first without a model condition. */
  candidates: Route[] = [];
  route: Route | null = null;
  backend: Backend | null = null;
  operation: Operation = Operation.ChatCompletions;
  /** The API the client speaks (from its path); local errors and translated answers use it. */
  clientApi: WireApi = WireApi.OpenAI;
  /** The model a Gemini client named in its path (…/models/{model}:method); null for other clients. */
  pathModel: string | null = null;
  /** Set when the backend speaks another API than the client. */
  translator: Translator | null = null;
  /** Reassembles the provider's stream events when a stream is translated. */
  events: StreamDecoder | null = null;
  /** Where translated events are written, reused for every chunk of the stream. */
  eventsOut: JsonWriter | null = null;
  /** Set at body time for providers whose path depends on the body (model, streaming). */
  upstreamPath: ArrayBuffer | null = null;
  /** Tool types the translator left out, comma-separated (x-llm-mesh-dropped-tools); empty for none. */
  droppedTools: string = "";
  /** The output cap lowered to the backend model's limit, `asked->sent` (x-llm-mesh-clamped-max-tokens); empty for none. */
  clampedCap: string = "";
  /** The model sent upstream (echoed in x-llm-mesh-model). */
  model: string = "";
  /** Rewritten and sent on: the response is ours to stamp and vet. */
  forwarded: bool = false;
  responseMode: ResponseMode = ResponseMode.Pass;
  responseStatus: string = "";
  /** Times, caller, status and usage, when metrics are on. */
  measure: Measurement | null = null;
  /** Reads usage from an untranslated answer (ResponseMode.Meter). */
  meter: UsageMeter | null = null;
  /** llm-mesh added stream_options.include_usage: the usage-only chunk is not the client's. */
  usageInjected: bool = false;
  /** What this request took from its consumer's quotas, charged its real usage when done (NO_RESERVATIONS until a quota admits it). */
  reservations: Reservation[] = NO_RESERVATIONS;
  /** The request's input tokens as estimated for its quotas (body bytes / 4). */
  inputEstimate: i64 = 0;
  /** Tokens reserved for it in the consumer's global quotas (filter state the rate limit filter reads); -1: none yet. */
  globalReserved: i64 = -1;
  /** Bytes of the answer received (quotas charge these when it reports no usage); -1 before its headers. */
  responseBytes: i64 = -1;
  /** Who calls (consumers/), when the config has consumers and the caller is known. */
  consumer: Consumer | null = null;
  /** The caller's mesh identity, when it was read at header time (consumers by principal). */
  principal: string | null = null;
  /** The key chosen when keys rest after a 429 (failover-try.ts; -2: the provider's next in turn, -1: none). */
  keyIndex: i32 = -2;
  /** Why a 2xx answer to translate cannot be read at all (compressed though llm-mesh asked for none), else "". */
  answerUnreadable: string = "";
  /** A 2xx answer that is not what its API documents was replaced by an error (upstream: shown to Envoy as 502). */
  answerBroken: bool = false;
  /** The response ended with its headers (no body callback will come). */
  responseHeadersEnd: bool = false;
  /** A non-streaming request on a route that returns one field of the answer (policy.extract). */
  extract: RequestPolicy | null = null;
  /** The secrets the response body is scanned for on its way out (redact.ts); null when it is not read. */
  secrets: SecretMatcher | null = null;
  /** The body's scanner, once a chunk came that was not the last (an answer in one chunk is scanned by the VM's own: bodyScanner). */
  redactor: SecretScanner | null = null;
  /** Downstream: Envoy's own error answer is replaced by this body (failover-answer.ts); "" once sent. */
  envoyAnswer: string | null = null;
}

/** What messages call the request's backend: an MCP route's is a server, the rest are providers. */
export function backendWord(state: RequestState): string {
  return state.clientApi == WireApi.Mcp ? "MCP server" : "provider";
}

// A kind of request and the Proxy-Wasm callbacks it owns: filter.ts hands each callback to the
// stream's current pipeline. The first is chosen from the config (a client's request, or a failover
// route's try); a client's request hands over once its route is decided (plain or pooled), and a
// request answered here or not llm-mesh's goes on finished (a bare RequestPipeline).
import { FilterDataStatusValues, FilterHeadersStatusValues, FilterTrailersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { Config } from "../config/load";
import { INTERNAL, Reply, replyWithError } from "../errors";
import { BufferTypeValues, bufferedSize, getBody, replaceBody, sendLocalResponse } from "../host";
import { BodyOutcome } from "../request/body";
import { tooLarge } from "../request/admit";
import { chargeQuota } from "../request/identify";
import { finishMeasure } from "../request/measure";
import { RequestState } from "../request/state";
import { redactResponseTrailers, secretMatcher } from "../request/redact";

/** No configuration: every callback lets the request pass. */
export class Pipeline {
  onRequestHeaders(_endOfStream: bool): FilterHeadersStatusValues { return FilterHeadersStatusValues.Continue; }
  onRequestBody(_bodySize: usize, _endOfStream: bool): FilterDataStatusValues { return FilterDataStatusValues.Continue; }
  onRequestTrailers(): FilterTrailersStatusValues { return FilterTrailersStatusValues.Continue; }
  onResponseHeaders(_endOfStream: bool): FilterHeadersStatusValues { return FilterHeadersStatusValues.Continue; }
  onResponseBody(_bodySize: usize, _endOfStream: bool): FilterDataStatusValues { return FilterDataStatusValues.Continue; }
  /** The answer's trailers arrived (after its last body callback). */
  onResponseTrailers(): void {}
  onDone(): void {}
}

/** The pipeline of a stream without a configuration: it has no state, so every such stream shares it. */
const PASS = new Pipeline();

/** Which pipeline takes a stream's next callback; a pipeline hands over by replacing itself here. */
export class PipelineSlot {
  current: Pipeline = PASS;
}

const NO_BODY = new ArrayBuffer(0);

/**
 * A request llm-mesh serves, with the config it started with (a reload mid-request does not change
 * it). Reads the request body whole when `readingBody` (Envoy buffers it), then onWholeBody.
 */
export class RequestPipeline extends Pipeline {
  /** The body is still to be read whole; later request callbacks pass. */
  protected readingBody: bool = false;
  /** The tokens this request used are the ones its failover tries wrote (quotas). */
  protected usageFromTries: bool = false;

  constructor(protected slot: PipelineSlot, protected config: Config, protected state: RequestState) { super(); }

  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    if (!this.readingBody) return FilterDataStatusValues.Continue;
    if (<i64>bodySize > this.bodyLimit()) {
      this.answer(this.tooLargeReply());
      return FilterDataStatusValues.StopIterationNoBuffer;
    }
    if (!endOfStream) return FilterDataStatusValues.StopIterationAndBuffer;
    return this.finishBody(<u32>bodySize) ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationNoBuffer;
  }

  onRequestTrailers(): FilterTrailersStatusValues {
    if (!this.readingBody) return FilterTrailersStatusValues.Continue;
    // With trailers the body never arrives with end_of_stream set; the buffered size is asked for.
    return this.finishBody(bufferedSize(BufferTypeValues.HttpRequestBody)) ? FilterTrailersStatusValues.Continue : FilterTrailersStatusValues.StopIteration;
  }

  /** Trailers of an answer sent on are checked for secrets, as its headers and body are. */
  onResponseTrailers(): void {
    if (this.state.forwarded && secretMatcher(this.config.providers) !== null) redactResponseTrailers();
  }

  onDone(): void {
    finishMeasure(this.config, this.state);
    chargeQuota(this.state, this.usageFromTries);
  }

  /** The largest request body read whole (maxRequestBodyBytes; an MCP route's messages have their own). */
  protected bodyLimit(): i64 { return this.config.maxRequestBodyBytes; }
  protected tooLargeReply(): Reply { return tooLarge(this.config); }

  /** The whole body is buffered: decide, rewrite, send. False when it answered locally. */
  protected onWholeBody(_body: ArrayBuffer, _bodySize: u32): bool { return true; }

  /** The body decided on goes on (rewritten when it changed); false when it was answered locally instead. */
  protected sendBody(outcome: BodyOutcome): bool {
    if (outcome.reply !== null) { this.answer(outcome.reply!); return false; }
    if (outcome.changed && !replaceBody(BufferTypeValues.HttpRequestBody, outcome.body)) {
      this.answer(Reply.error(INTERNAL, "could not replace the request body"));
      return false;
    }
    this.state.forwarded = true;
    return true;
  }

  /** The response's headers arrived for a request sent on: the answer's size is counted from here. */
  protected startAnswer(endOfStream: bool): void {
    this.state.responseHeadersEnd = endOfStream;
    this.state.responseBytes = 0;
  }

  /** Answers locally, in the client's API; the rest of the request passes (finished). */
  protected answer(reply: Reply): FilterHeadersStatusValues {
    this.handOver(this.finished(this.usageFromTries));
    if (reply.kind !== null) replyWithError(reply.kind!, reply.message, this.state.clientApi, reply.headerNames, reply.headerValues);
    else sendLocalResponse(reply.status, "llm_mesh.local", reply.body, ["content-type"], ["application/json"]);
    return FilterHeadersStatusValues.StopIteration;
  }

  /** Not llm-mesh's request (or not a pool's try): it passes untouched. */
  protected pass(): FilterHeadersStatusValues {
    this.handOver(this.finished(false));
    return FilterHeadersStatusValues.Continue;
  }

  /**
   * Answered locally, or passed on untouched: later callbacks do nothing (a RequestPipeline that
   * reads no body and owns no response); when done, quotas are set right.
   */
  private finished(usageFromTries: bool): RequestPipeline {
    const done = new RequestPipeline(this.slot, this.config, this.state);
    done.usageFromTries = usageFromTries;
    return done;
  }

  protected handOver(next: Pipeline): void {
    this.slot.current = next;
  }

  private finishBody(bodySize: u32): bool {
    this.readingBody = false;
    const body = getBody(BufferTypeValues.HttpRequestBody, 0, bodySize);
    return this.onWholeBody(body !== null ? body! : NO_BODY, bodySize);
  }
}

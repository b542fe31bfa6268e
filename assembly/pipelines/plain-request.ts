// A client's request to one provider (a route without failover), in either request mode: the
// headers go now with the key (headers mode) or with the read body (body mode); the provider's
// answer, or Envoy's own error, comes back in the client's API.
import { FilterDataStatusValues, FilterHeadersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { ReadyBody, backendBody, readClientBody } from "../request/body";
import { onEnvoyAnswerBody } from "../request/failover-answer";
import { chooseRestedKey, onTryAnswer } from "../request/failover-try";
import { writeUsedTokens } from "../request/identify";
import { measureForwarded } from "../request/measure";
import { answerStatus, onEnvoyAnswerHeaders, onProviderHeaders } from "../request/respond";
import { ResponseMode } from "../request/state";
import { writeUpstreamHeaders } from "../request/upstream-headers";
import { BackendRequest } from "./backend-request";

export class PlainRequest extends BackendRequest {
  /** A route returning one field of the answer: its status and content type wait for the whole answer. */
  private holdWhole: bool = false;

  /** Headers mode: the headers go now; the body is rewritten when it is whole. */
  sendHeaders(): FilterHeadersStatusValues {
    chooseRestedKey(this.state);
    writeUpstreamHeaders(this.state.headers!, this.state, -1);
    this.readingBody = true;
    return FilterHeadersStatusValues.Continue;
  }

  /** Body mode: the body read (ClientRequest) goes with its headers. */
  sendWholeBody(ready: ReadyBody, bodySize: u32): bool {
    return this.sendWithHeaders(ready, bodySize);
  }

  /** Headers mode: the body, rewritten for the backend chosen with the headers. */
  protected onWholeBody(body: ArrayBuffer, bodySize: u32): bool {
    const ready = readClientBody(this.config, this.state, body, false, true);
    if (ready.reply !== null) { this.answer(ready.reply!); return false; }
    if (!this.sendBody(backendBody(this.config, this.state, ready))) return false;
    measureForwarded(this.config, this.state, bodySize);
    return true;
  }

  /** The provider's answer headers, in the one open copy (BackendRequest.onResponseHeaders). */
  protected answerHeaders(endOfStream: bool): FilterHeadersStatusValues {
    const state = this.state;
    this.startAnswer(endOfStream);
    const status = answerStatus();
    // A 429 rests the key that got it, on every route whose keys take turns.
    onTryAnswer(state);
    if (!onEnvoyAnswerHeaders(this.config, state, status)) onProviderHeaders(this.config, state, status);
    if (endOfStream) this.answerEnded();
    else this.holdWhole = state.extract !== null && state.responseMode == ResponseMode.TranslateJson;
    return this.holdWhole ? FilterHeadersStatusValues.StopIteration : FilterHeadersStatusValues.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    const state = this.state;
    if (state.envoyAnswer !== null) {
      onEnvoyAnswerBody(state);
      if (endOfStream) writeUsedTokens(state, false);
      return FilterDataStatusValues.Continue;
    }
    // A held answer is buffered by the host and read once, whole, at its end.
    if (this.holdWhole) {
      if (!endOfStream) return FilterDataStatusValues.StopIterationAndBuffer;
      this.holdWhole = false;
    }
    return this.afterChunk(bodySize, endOfStream, this.providerChunk(bodySize, endOfStream));
  }
}

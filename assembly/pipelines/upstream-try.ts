// One try of a failover route, in the pool cluster's upstream filter: held until its body is read
// (the router replays it whole), rewritten for the backend Envoy's load balancer picked, with the
// next key not resting; its answer is held back from the router until it is safe to pass on, so a
// try that breaks off before then is tried again elsewhere (request/failover-try.ts).
import { FilterDataStatusValues, FilterHeadersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { BAD_REQUEST, Reply } from "../errors";
import { REQUEST_HEADERS } from "../host";
import { HeaderSnapshot } from "../headers";
import { readClientBody } from "../request/body";
import { Hold, holdFor, onTryAnswer, sendTry, showHeldAnswer, showToEnvoy, startTry, vetHeldAnswer } from "../request/failover-try";
import { startMeasure } from "../request/measure";
import { answerStatus, onProviderHeaders } from "../request/respond";
import { BackendRequest } from "./backend-request";

export class UpstreamTry extends BackendRequest {
  /** How much of the answer is held back from Envoy's router (whole for JSON, to its first chunk for streams). */
  private hold: Hold = Hold.None;

  onRequestHeaders(endOfStream: bool): FilterHeadersStatusValues {
    const state = this.state;
    const headers = HeaderSnapshot.read(REQUEST_HEADERS);
    state.headers = headers;
    const reply = startTry(this.config, headers, state);
    if (reply !== null) return this.answer(reply!);
    if (state.backend === null) return this.pass();
    if (endOfStream) return this.answer(Reply.error(BAD_REQUEST, "a JSON request body is required"));
    startMeasure(this.config, state);
    this.readingBody = true;
    return FilterHeadersStatusValues.StopIteration;
  }

  /** The body its route already made (policy applied downstream), rewritten for this try's backend. */
  protected onWholeBody(body: ArrayBuffer, bodySize: u32): bool {
    const ready = readClientBody(this.config, this.state, body, false, false);
    if (ready.reply !== null) { this.answer(ready.reply!); return false; }
    return this.sendWithHeaders(ready, bodySize);
  }

  /** A try's key, and its name on the request's list of backends tried. */
  protected chooseKey(): void {
    sendTry(this.state);
  }

  /** The provider's answer headers, in the one open copy (BackendRequest.onResponseHeaders). */
  protected answerHeaders(endOfStream: bool): FilterHeadersStatusValues {
    const state = this.state;
    this.startAnswer(endOfStream);
    const status = answerStatus();
    // A 429 rests the key that got it; with no key left, Envoy is shown 503.
    const rateLimited = onTryAnswer(state);
    onProviderHeaders(this.config, state, status);
    showToEnvoy(rateLimited);
    if (endOfStream) this.answerEnded();
    this.hold = holdFor(state, endOfStream);
    return this.hold == Hold.None ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    const state = this.state;
    // A held answer is buffered by the host and read once, whole, at its end.
    const held = this.hold == Hold.Whole;
    if (held && !endOfStream) return FilterDataStatusValues.StopIterationAndBuffer;
    this.hold = Hold.None;
    if (held) vetHeldAnswer(state, <i32>bodySize);
    const go = this.providerChunk(bodySize, endOfStream);
    if (held) showHeldAnswer(state);
    return this.afterChunk(bodySize, endOfStream, go);
  }
}

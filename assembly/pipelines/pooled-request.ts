// A client's request on a failover route: sent to the route's pool cluster as the client wrote it
// (checked, and with the route's policy and the quota's cap applied); Envoy's router picks a backend
// for each try, and each try is rewritten in the pool's upstream filter (upstream-try.ts). Back here
// comes a try's answer, already in the client's API, or Envoy's own when no try produced one.
import { FilterDataStatusValues, FilterHeadersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { Config } from "../config/load";
import { ReadyBody, poolBody, readClientBody } from "../request/body";
import { onEnvoyAnswerBody, onPoolAnswer } from "../request/failover-answer";
import { writeUsedTokens } from "../request/identify";
import { RequestState } from "../request/state";
import { writePoolHeaders } from "../request/upstream-headers";
import { closeResponseHeaders, openResponseHeaders } from "../headers";
import { PipelineSlot, RequestPipeline } from "./pipeline";

export class PooledRequest extends RequestPipeline {
  constructor(slot: PipelineSlot, config: Config, state: RequestState) {
    super(slot, config, state);
    this.usageFromTries = true;
  }

  /** Headers mode: the headers go to the pool now; the body is read only when the route's policy or a quota needs it. */
  sendHeaders(): FilterHeadersStatusValues {
    const state = this.state;
    const policy = state.route!.policy;
    // A consumer's quotas read the body too (its output cap), or the route would go unlimited.
    const readsBody = policy !== null && policy.readsRequest() || state.consumer !== null && state.consumer!.limits.length > 0;
    writePoolHeaders(state.headers!, state, readsBody ? -1 : -2);
    this.readingBody = readsBody;
    state.forwarded = true;
    return FilterHeadersStatusValues.Continue;
  }

  /** Body mode: the body read (ClientRequest) goes to the pool with its exact length. */
  sendWholeBody(ready: ReadyBody): bool {
    const outcome = poolBody(this.config, this.state, ready);
    if (!this.sendBody(outcome)) return false;
    writePoolHeaders(this.state.headers!, this.state, outcome.body.byteLength);
    return true;
  }

  /** Headers mode: the body, as the route's policy and the quota's cap make it. */
  protected onWholeBody(body: ArrayBuffer, _bodySize: u32): bool {
    const ready = readClientBody(this.config, this.state, body, false, true);
    if (ready.reply !== null) { this.answer(ready.reply!); return false; }
    return this.sendBody(poolBody(this.config, this.state, ready));
  }

  onResponseHeaders(endOfStream: bool): FilterHeadersStatusValues {
    if (!this.state.forwarded) return FilterHeadersStatusValues.Continue;
    this.startAnswer(endOfStream);
    openResponseHeaders();
    onPoolAnswer(this.config, this.state);
    closeResponseHeaders();
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(_bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    onEnvoyAnswerBody(this.state);
    if (endOfStream) writeUsedTokens(this.state, true);
    return FilterDataStatusValues.Continue;
  }
}

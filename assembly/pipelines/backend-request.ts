// What a plain request and a failover try share: the request goes to one backend (state.backend),
// and that provider's answer is vetted, translated and measured on its way back (request/respond.ts).
import { FilterDataStatusValues, FilterHeadersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { closeResponseHeaders, openResponseHeaders } from "../headers";
import { ReadyBody, backendBody } from "../request/body";
import { chooseRestedKey } from "../request/failover-try";
import { writeUsedTokens } from "../request/identify";
import { measureChunk, measureForwarded } from "../request/measure";
import { onProviderBody } from "../request/respond";
import { ResponseMode } from "../request/state";
import { writeUpstreamHeaders } from "../request/upstream-headers";
import { RequestPipeline } from "./pipeline";

export class BackendRequest extends RequestPipeline {
  onResponseHeaders(endOfStream: bool): FilterHeadersStatusValues {
    if (!this.state.forwarded) return FilterHeadersStatusValues.Continue;
    // The steps read and edit one copy of the headers, written back once.
    openResponseHeaders();
    const result = this.answerHeaders(endOfStream);
    closeResponseHeaders();
    return result;
  }

  /** What a plain request or a try does with its provider's answer headers. */
  protected answerHeaders(_endOfStream: bool): FilterHeadersStatusValues { return FilterHeadersStatusValues.Continue; }

  /** The headers were held with the body: both go now, the headers with an exact length (and signed). */
  protected sendWithHeaders(ready: ReadyBody, bodySize: u32): bool {
    const outcome = backendBody(this.config, this.state, ready);
    if (!this.sendBody(outcome)) return false;
    this.chooseKey();
    writeUpstreamHeaders(this.state.headers!, this.state, outcome.body.byteLength, outcome.body);
    measureForwarded(this.config, this.state, bodySize);
    return true;
  }

  /** The key for this request, when its provider's keys rest after a 429. */
  protected chooseKey(): void {
    chooseRestedKey(this.state);
  }

  /** A chunk of the provider's answer: vetted, translated or metered as its headers decided. True to go on. */
  protected providerChunk(bodySize: usize, endOfStream: bool): bool {
    const state = this.state;
    state.responseBytes += <i64>bodySize;
    return state.responseMode == ResponseMode.Pass && state.secrets === null || onProviderBody(state, <i32>bodySize, endOfStream);
  }

  /** After the chunk's step: at the end, the usage it read goes to the access log (and global quotas). */
  protected afterChunk(bodySize: usize, endOfStream: bool, go: bool): FilterDataStatusValues {
    const state = this.state;
    if (state.measure !== null) measureChunk(this.config, state, <i32>bodySize, endOfStream);
    if (endOfStream) writeUsedTokens(state, false);
    return go ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationAndBuffer;
  }

  /** The answer ended with its headers: no body callback comes. */
  protected answerEnded(): void {
    measureChunk(this.config, this.state, 0, true);
    writeUsedTokens(this.state, false);
  }
}

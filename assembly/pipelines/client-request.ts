// A client's request, until its route is decided: admitted with its headers, then (body mode) read
// whole. Once the route is known it hands over to a plain request (one provider) or a pooled one
// (a failover route). Headers mode decides with the headers; body mode with the body and its model.
import { FilterDataStatusValues, FilterHeadersStatusValues, FilterTrailersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { RequestMode } from "../config/load";
import { Reply } from "../errors";
import { REQUEST_HEADERS } from "../host";
import { HeaderSnapshot } from "../headers";
import { admit, takeRoute } from "../request/admit";
import { ReadyBody, readClientBody } from "../request/body";
import { reserveGlobalAtHeaders } from "../request/identify";
import { startMeasure } from "../request/measure";
import { RequestPipeline } from "./pipeline";
import { PlainRequest } from "./plain-request";
import { PooledRequest } from "./pooled-request";
import { McpRequest } from "./mcp-request";
import { McpAdmission, admitMcp } from "../request/mcp-admit";

export class ClientRequest extends RequestPipeline {
  /**
   * A refusal decided with the request headers, sent once the body is read (body mode): Envoy
   * closes an HTTP/1 connection whose request is not read to its end when the answer goes out.
   */
  private refusal: Reply | null = null;
  private refusalBodyBytes: i64 = 0;

  onRequestHeaders(endOfStream: bool): FilterHeadersStatusValues {
    const config = this.config;
    const state = this.state;
    const headers = HeaderSnapshot.read(REQUEST_HEADERS);
    state.headers = headers;
    let reply = admit(config, headers, state, endOfStream);
    let mcp: McpAdmission | null = null;
    if (reply === null && state.candidates.length > 0 && state.candidates[0].mcp !== null) {
      mcp = new McpAdmission();
      reply = admitMcp(config, headers, state, state.candidates[0], endOfStream, mcp!);
    }
    if (reply !== null) {
      // Body mode only: in headers mode Envoy may lack allow_on_headers_stop_iteration, and then no body callback would come.
      const readFirst = !endOfStream && config.requestMode == RequestMode.Body && (reply!.kind === null || reply!.kind!.status != 413);
      if (!readFirst) return this.answer(reply!);
      this.refusal = reply;
      return FilterHeadersStatusValues.StopIteration;
    }
    if (state.candidates.length == 0) return this.pass();
    if (mcp !== null) {
      const request = new McpRequest(this.slot, config, state, mcp!);
      this.handOver(request);
      return request.start();
    }
    startMeasure(config, state);
    // Body mode: nothing goes upstream until the body is read and valid. (admit() answered a
    // request without a body, so this never stops a stream that has ended: Envoy would hang.)
    if (config.requestMode == RequestMode.Body) {
      this.readingBody = true;
      return FilterHeadersStatusValues.StopIteration;
    }
    // Headers mode: the route and backend are decided now; Proxy-Wasm hosts without the flag turn
    // a StopIteration here into StopAllIteration, so the body callback would never run.
    const refused = takeRoute(config, state, state.candidates[0]);
    if (refused !== null) return this.answer(refused!);
    reserveGlobalAtHeaders(state, headers);
    // Envoy re-selects the route on the new :authority because this module exports ABI 0.2.1.
    if (state.route!.failover !== null) {
      const pooled = new PooledRequest(this.slot, config, state);
      this.handOver(pooled);
      return pooled.sendHeaders();
    }
    const plain = new PlainRequest(this.slot, config, state);
    this.handOver(plain);
    return plain.sendHeaders();
  }

  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    if (this.refusal !== null) return this.drainRefused(bodySize, endOfStream);
    return super.onRequestBody(bodySize, endOfStream);
  }

  onRequestTrailers(): FilterTrailersStatusValues {
    if (this.refusal === null) return super.onRequestTrailers();
    this.drainRefused(0, true);
    return FilterTrailersStatusValues.StopIteration;
  }

  /** Body mode: the route is chosen on the body's model, then the request goes the route's way. */
  protected onWholeBody(body: ArrayBuffer, bodySize: u32): bool {
    const ready: ReadyBody = readClientBody(this.config, this.state, body, true, true);
    if (ready.reply !== null) { this.answer(ready.reply!); return false; }
    if (this.state.route!.failover !== null) {
      const pooled = new PooledRequest(this.slot, this.config, this.state);
      this.handOver(pooled);
      return pooled.sendWholeBody(ready);
    }
    const plain = new PlainRequest(this.slot, this.config, this.state);
    this.handOver(plain);
    return plain.sendWholeBody(ready, bodySize);
  }

  /** Reads and drops a refused request's body (never buffered), then answers; a body past the limit is answered at once. */
  private drainRefused(chunkSize: usize, endOfStream: bool): FilterDataStatusValues {
    this.refusalBodyBytes += <i64>chunkSize;
    if (endOfStream || this.refusalBodyBytes > this.config.maxRequestBodyBytes) {
      const reply = this.refusal!;
      this.refusal = null;
      this.answer(reply);
    }
    return FilterDataStatusValues.StopIterationNoBuffer;
  }
}

// A request on an MCP route (admitted by ClientRequest with request/mcp-admit.ts): a POST's JSON-RPC
// body is read whole and checked before the headers go (body mode), GET and DELETE go at once; the
// server's answer is read message by message (request/mcp-exchange.ts); when done, one metric
// record per JSON-RPC request.
import { FilterDataStatusValues, FilterHeadersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { Config } from "../config/load";
import { INTERNAL, Reply } from "../errors";
import { BufferTypeValues, REQUEST_HEADERS, replaceBody } from "../host";
import { closeResponseHeaders, openResponseHeaders } from "../headers";
import { onEnvoyAnswerBody } from "../request/failover-answer";
import { McpAdmission, McpVerb, mcpBodyLimit, mcpTooLarge } from "../request/mcp-admit";
import { McpExchange, decideMcpBody, finishMcp, logMcp, mcpAnswerChunk, mcpAnswerHeaders, readAnswers } from "../request/mcp-exchange";
import { answerStatus } from "../request/respond";
import { RequestState } from "../request/state";
import { writeUpstreamHeaders } from "../request/upstream-headers";
import { PipelineSlot, RequestPipeline } from "./pipeline";

export class McpRequest extends RequestPipeline {
  private exchange: McpExchange;

  constructor(slot: PipelineSlot, config: Config, state: RequestState, admission: McpAdmission) {
    super(slot, config, state);
    this.exchange = new McpExchange(admission);
  }

  /** The request headers were admitted: a POST waits for its body; GET and DELETE go now. */
  start(): FilterHeadersStatusValues {
    if (this.exchange.admission.verb == McpVerb.Post) {
      this.readingBody = true;
      return FilterHeadersStatusValues.StopIteration;
    }
    readAnswers(this.state, this.exchange);
    if (!writeUpstreamHeaders(this.state.headers!, this.state, -1)) return this.answer(Reply.error(INTERNAL, "could not write the request headers"));
    this.state.forwarded = true;
    return FilterHeadersStatusValues.Continue;
  }

  /** A message is read whole, so the route's maxMessageBytes bounds it as it bounds answers. */
  protected bodyLimit(): i64 { return mcpBodyLimit(this.config, this.state); }
  protected tooLargeReply(): Reply { return mcpTooLarge(this.config, this.state); }

  /** The JSON-RPC body, whole: refused here, or sent with its headers (exact length). */
  protected onWholeBody(body: ArrayBuffer, _bodySize: u32): bool {
    const decision = decideMcpBody(this.config, this.state, this.exchange, body);
    if (decision.reply !== null) {
      // Answered here (the pipeline is finished after): its requests are recorded now.
      finishMcp(this.config, this.state, this.exchange);
      logMcp(this.config, this.state, this.exchange);
      this.answer(decision.reply!);
      return false;
    }
    const sent = decision.body !== null ? decision.body! : body;
    if (decision.body !== null && !replaceBody(BufferTypeValues.HttpRequestBody, sent)) {
      this.answer(Reply.error(INTERNAL, "could not replace the request body"));
      return false;
    }
    writeUpstreamHeaders(this.state.headers!, this.state, sent.byteLength);
    this.state.forwarded = true;
    return true;
  }

  onResponseHeaders(endOfStream: bool): FilterHeadersStatusValues {
    if (!this.state.forwarded) return FilterHeadersStatusValues.Continue;
    openResponseHeaders();
    mcpAnswerHeaders(this.config, this.state, this.exchange, answerStatus(), endOfStream);
    closeResponseHeaders();
    if (endOfStream) logMcp(this.config, this.state, this.exchange);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatusValues {
    if (!this.state.forwarded) return FilterDataStatusValues.Continue;
    if (this.state.envoyAnswer !== null) {
      onEnvoyAnswerBody(this.state);
      if (endOfStream) logMcp(this.config, this.state, this.exchange);
      return FilterDataStatusValues.Continue;
    }
    const go = mcpAnswerChunk(this.state, this.exchange, <i32>bodySize, endOfStream);
    if (endOfStream) logMcp(this.config, this.state, this.exchange);
    return go ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationAndBuffer;
  }

  onDone(): void {
    // A stream cut before its answer ended is logged now.
    logMcp(this.config, this.state, this.exchange);
    finishMcp(this.config, this.state, this.exchange);
    super.onDone();
  }
}

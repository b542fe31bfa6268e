// What is measured of one request as it passes: times, status, who called, and the usage read
// from the answer. Filled by the filter's callbacks; recorded once, when the stream is done.
import { Operation } from "../api";
import { Usage, estimateTokens } from "../usage/usage";

/** Where the token figures came from. */
export enum UsageSource {
  /** The provider reported them. */
  Reported,
  /** Estimated (the provider reported none): input from the request's size, output from the text seen. */
  Estimated,
  /** The answer was cut short: what was seen, reported or estimated. */
  Incomplete,
  /** No usage: an error answer, or an operation without tokens. */
  None,
}

export class Measurement {
  operation: Operation = Operation.ChatCompletions;
  /** The operation's encoded label (see record.ts). */
  operationTag: string = "";
  /** The model sent upstream. */
  requestModel: string = "";
  startNs: i64 = 0;
  firstChunkNs: i64 = 0;
  /** When the answer's last byte passed; 0 when it never did (cut short). */
  endNs: i64 = 0;
  /** When the stream was done (the last callback). */
  doneNs: i64 = 0;
  status: string = "";
  stream: bool = false;
  /** The calling workload's identity (SPIFFE id), or "unknown". */
  principal: string = "unknown";
  /** The consumer's name (consumers/), "" when none is known. */
  consumer: string = "";
  /** The client's request body size, for the input estimate. */
  requestBytes: i64 = 0;
  /** Read from a 2xx answer of a metered operation; null otherwise. */
  usage: Usage | null = null;

  source(): UsageSource {
    const u = this.usage;
    if (u === null) return UsageSource.None;
    if (this.endNs == 0 || (this.stream && !u.streamEnded)) return UsageSource.Incomplete;
    const outputKnown = u.outputReported || this.operation == Operation.Embeddings;
    return u.inputReported && outputKnown ? UsageSource.Reported : UsageSource.Estimated;
  }

  inputTokens(): i64 {
    const u = this.usage;
    if (u === null) return 0;
    return u.inputReported ? u.input : estimateTokens(this.requestBytes);
  }

  outputTokens(): i64 {
    const u = this.usage;
    if (u === null || this.operation == Operation.Embeddings) return 0;
    return u.outputReported ? u.output : estimateTokens(u.textBytes);
  }
}

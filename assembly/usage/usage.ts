// Token usage of one request in one shape, whatever API the provider spoke: filled by the
// translator that reads the answer, or by a meter (meter.ts) when the answer passes untranslated.
// Input counts every prompt token, cached ones and those written to the cache included (OpenAI's
// convention); cachedInput, cacheWrite and reasoning are parts of input and output, reported where
// the provider reports them.
export class Usage {
  input: i64 = 0;
  output: i64 = 0;
  cachedInput: i64 = 0;
  /** Input tokens written to the prompt cache (Anthropic, Bedrock), priced apart. */
  cacheWrite: i64 = 0;
  /** Of cacheWrite, those written with a 1-hour ttl (Anthropic's cache_creation breakdown). */
  cacheWrite1h: i64 = 0;
  reasoning: i64 = 0;
  /** The provider reported input figures (otherwise they are estimated). */
  inputReported: bool = false;
  /** The provider reported output figures. */
  outputReported: bool = false;
  /** The model the answer names (may differ from the one asked for: a dated version). */
  responseModel: string = "";
  /** A stream's own end was seen ([DONE], message_stop, response.completed): it was not cut short. */
  streamEnded: bool = false;
  /** Bytes of generated text seen, for an estimate when the provider reports no output figure. */
  textBytes: i64 = 0;

  reportInput(input: i64, cached: i64, written: i64 = 0, written1h: i64 = 0): void {
    if (input < 0) return;
    this.input = input;
    this.cachedInput = cached > 0 ? cached : 0;
    this.cacheWrite = written > 0 ? written : 0;
    this.cacheWrite1h = written1h > 0 ? min<i64>(written1h, this.cacheWrite) : 0;
    this.inputReported = true;
  }

  reportOutput(output: i64, reasoning: i64): void {
    if (output < 0) return;
    this.output = output;
    this.reasoning = reasoning > 0 ? reasoning : 0;
    this.outputReported = true;
  }
}

/** Bytes of text per token in estimates: the usual rule of thumb for English with BPE tokenizers. */
export const BYTES_PER_TOKEN: i64 = 4;

/** ceil(bytes / 4). */
export function estimateTokens(bytes: i64): i64 {
  return bytes <= 0 ? 0 : (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
}

// The provider reads the request llm-mesh checked, in real Envoy against the mock providers: every
// row of test/support/json-parser-rows.ts (the table in docs/json-parsers.md) is refused with a 400
// in the client's API and nothing upstream, or reaches the mock provider as bytes that every
// modelled reader (Python, Go, JavaScript, .NET) reads the way llm-mesh decided.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, send, startStack } from "../support/envoy.js";
import { PARSER_CONFIG, PARSER_ROWS, alice, misreadings } from "../support/json-parser-rows.js";

describe("JSON as provider-side parsers read it, in real Envoy", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(PARSER_CONFIG, { acceptedKeys: { openai: ["mesh-openai-key"], claude: ["mesh-anthropic-key"] } });
  }, 60_000);
  afterAll(async () => { await stack?.stop(); });

  it.each(PARSER_ROWS)("$name", async (row) => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, {
      host: row.host, path: row.path ?? "/v1/chat/completions", body: row.body,
      headers: row.consumer ? { authorization: `Bearer ${alice.key}` } : {},
    });
    if (row.refused) {
      expect(reply.status, reply.body).toBe(400);
      const body = reply.json();
      if (row.path === "/v1/messages") expect(body.type).toBe("error");
      else expect(body.error.code).toBe(row.refused.code);
      expect(body.error.message).toMatch(row.refused.message);
      expect(stack.mock.received.length, "nothing upstream").toBe(before);
    } else {
      expect(reply.status, reply.body).toBe(200);
      expect(stack.mock.received.length).toBe(before + 1);
      expect(misreadings(row, stack.mock.received.at(-1)!.bytes)).toEqual([]);
    }
  });
});

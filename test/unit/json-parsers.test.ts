// The provider reads the request llm-mesh checked (docs/json-parsers.md), in the host emulator: each
// row of test/support/json-parser-rows.ts is refused (400 in the client's API, nothing upstream) or
// reaches the provider as every modelled reader (Python, Go, JavaScript, .NET) reads it the way
// llm-mesh decided. The same rows run in real Envoy (test/integration/json-parsers.test.ts).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";
import { PARSER_CONFIG, PARSER_ROWS, alice, distinctReadings, misreadings } from "../support/json-parser-rows.js";
import { READERS, readAt } from "../support/json-readers.js";

const support = (path: string) => fileURLToPath(new URL(`../support/${path}`, import.meta.url));
const venvPython = fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));

/** The real reader's reading of each row's client body at its path: {value} (null when absent) or {refused}. */
function realReadings(command: string, args: string[], asks: { body: string; path: (string | number)[] }[]): ({ value: unknown } | { refused: string })[] {
  return JSON.parse(execFileSync(command, args, { input: JSON.stringify(asks), encoding: "utf8", timeout: 120_000 }));
}

async function filter() {
  const { host, configured } = await loadFilter(PARSER_CONFIG, { allowOnHeadersStopIteration: true });
  expect(configured, host.logText("error").join("\n")).toBe(true);
  return host;
}

describe("JSON as provider-side parsers read it", () => {
  it.each(PARSER_ROWS)("$name", async (row) => {
    const host = await filter();
    const stream = host.createStream({});
    stream.sendRequest({
      ":method": "POST", ":path": row.path ?? "/v1/chat/completions", ":authority": row.host, ":scheme": "http", "content-type": "application/json",
      ...(row.consumer ? { authorization: `Bearer ${alice.key}` } : {}),
    }, row.body);
    if (row.refused) {
      expect(stream.localResponse?.status, stream.upstreamBodyText()).toBe(400);
      const body = JSON.parse(stream.localResponse!.body);
      // Anthropic's clients get Anthropic's error shape.
      const error = row.path === "/v1/messages" ? (expect(body.type).toBe("error"), body.error) : body.error;
      expect(error.message).toMatch(row.refused.message);
      if (row.path !== "/v1/messages") expect(error.code).toBe(row.refused.code);
      expect(stream.upstreamBody.length).toBe(0);
      if (row.disagree) expect(distinctReadings(row.body, row.disagree).size, "the readers should disagree on the client's body").toBeGreaterThan(1);
    } else {
      expect(stream.localResponse, stream.localResponse?.body).toBeNull();
      expect(misreadings(row, Buffer.from(stream.upstreamBody))).toEqual([]);
    }
  });

  it("the Go and Python reader models read every row as Go's encoding/json and Python's json do", () => {
    const rows = PARSER_ROWS.map((row) => ({ row, path: row.disagree ?? row.reads?.[0] })).filter((r) => r.path !== undefined);
    const asks = rows.map(({ row, path }) => ({ body: row.body.toString("base64"), path: path! }));
    const real = {
      "Go encoding/json": realReadings("go", ["run", support("go-json-reader/main.go")], asks),
      "Python json": realReadings(existsSync(venvPython) ? venvPython : "python3", [support("python-json-reader/read.py")], asks),
    };
    for (const [name, readings] of Object.entries(real)) {
      const reader = READERS.find((r) => r.name === name)!;
      rows.forEach(({ row, path }, i) => {
        const model = readAt(reader, row.body, path!);
        const got = readings[i];
        const as = (r: typeof got) => ("refused" in r ? "refused" : JSON.stringify(r.value ?? null));
        expect(as(model), `${name}, row "${row.name}"`).toBe(as(got));
      });
    }
  }, 120_000); // go run compiles the reader on a cold build cache

  it("refuses a case variant of every key it reads, and nothing else", async () => {
    // Top level (model, api_key, stream, stream_options) and inside messages on a deny route; an
    // unread key with the same letters is not refused.
    const host = await filter();
    const send = (authority: string, body: string) => {
      const stream = host.createStream({});
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": authority, ":scheme": "http", "content-type": "application/json" }, body);
      return stream.localResponse?.status ?? 200;
    };
    for (const key of ["model", "api_key", "stream", "stream_options"]) {
      // Upper case, a capital, long s and Kelvin sign, dotless and dotted i, and an escaped capital.
      const variants = [key.toUpperCase(), key[0].toUpperCase() + key.slice(1), key.replace("s", "\u017f").replace("k", "\u212a"), key.replace("i", "\u0131"), key.replace("i", "\u0130"), `\\u${key.toUpperCase().charCodeAt(0).toString(16).padStart(4, "0")}${key.slice(1)}`];
      for (const variant of variants.filter((v) => v !== key)) {
        expect(send("open.llm", `{"model":"gpt-4o","messages":[],"${variant}":null}`), variant).toBe(400);
      }
      expect(send("open.llm", `{"model":"gpt-4o","messages":[],"${key}x":null,"x${key.toUpperCase()}":null}`), `${key}x`).toBe(200);
    }
    expect(send("guard.llm", '{"model":"gpt-4o","messages":[{"role":"user","content":"hi","CONTENT":"x"}]}')).toBe(400);
    // Not read anywhere by llm-mesh: left to the provider.
    expect(send("open.llm", '{"model":"gpt-4o","messages":[{"role":"user","content":"hi","CONTENT":"x"}]}')).toBe(200);
  });
});

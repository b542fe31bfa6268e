// Mutated and truncated bodies and configs must never trap the VM. Bodies are also checked
// against JSON.parse: the filter forwards exactly the bodies that are JSON objects, and what it
// forwards is still JSON with the model it chose.
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";
import { ALL_TYPES_CONFIG, ALL_TYPES_ENV, BODY_MODE_CONFIG } from "../support/fixtures.js";
import { mutate, rng } from "../support/random.js";

const JSONISH = ['"', "\\", "{", "}", "[", "]", ":", ",", "u", "0", "-", "e", ".", " ", "\n", "t", "n", "\u0001", "é", "\ud83d\ude00", "model", '"model"'];

const mutateBody = (text: string, random: () => number) => mutate(text, random, JSONISH);

const SEED_BODIES = [
  '{"model":"gpt-4","messages":[{"role":"user","content":"hi \\"there\\" \\u00e9 \\ud83d\\ude00"}],"temperature":0.5,"stream":true}',
  '{"messages":[{"role":"user","content":[{"type":"text","text":"nested {\\"model\\":1}"}]}],"n":1e3,"stop":null}',
  ' { "mo\\u0064el" : "gpt-3.5-turbo" , "x" : [ true , false , null , -0.5E-7 ] } ',
  '{"model":"claude-3","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}',
  "{}",
];

describe("fuzz", () => {
  it("survives 12,000 mutated request bodies, agreeing with JSON.parse", async () => {
    const { host, configured } = await loadFilter(ALL_TYPES_CONFIG, { env: ALL_TYPES_ENV });
    expect(configured).toBe(true);
    const random = rng(0x5eed);
    const hosts = ["mapped.llm", "locked.llm", "dashscope.aliyuncs.com", "azure.llm"];
    let forwarded = 0;
    for (let i = 0; i < 12_000; i++) {
      const body = mutateBody(SEED_BODIES[i % SEED_BODIES.length], random);
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": hosts[i % hosts.length] }, body, 1 + Math.floor(random() * 64));
      expect(host.trap, `body #${i}: ${JSON.stringify(body)}`).toBeNull();
      let parsed: unknown;
      try { parsed = JSON.parse(body); } catch { parsed = undefined; }
      const isObject = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
      if (stream.localResponse) {
        // Refused: it must be a JSON error, and only for a body that is not a usable JSON object.
        expect(stream.localResponse.status, body).toBe(400);
        const code = JSON.parse(stream.localResponse.body).error.code;
        if (isObject) expect(["invalid_request", "model_required", "invalid_model"], `${code} for ${body}`).toContain(code);
        else expect(code, body).toBe("invalid_json");
      } else {
        forwarded++;
        expect(isObject, `forwarded a non-object: ${JSON.stringify(body)}`).toBe(true);
        const sent = JSON.parse(stream.upstreamBodyText());
        expect(typeof sent.model).toBe("string");
      }
      stream.complete();
    }
    expect(forwarded).toBeGreaterThan(500);
  });

  // The scanner checks long strings 32 bytes a step and the escapes in a step from its mask: every
  // escape, good or bad, at every offset across two steps' edges must be judged as JSON.parse judges it.
  it.each([
    ["\\n"], ["\\\""], ["\\\\"], ["\\/"], ["\\u00e9"], ["\\uD83D\\uDE00"], ['\\"\\"'], ["\\\\\\n"],
    ["\\x"], ["\\u12G4"], ["\\u12"], ["\u0001"], ["\\"], ['"'], ["\\u"],
  ])("judges the escape %j at every offset of a long string as JSON.parse does", async (escape) => {
    const { host } = await loadFilter(ALL_TYPES_CONFIG, { env: ALL_TYPES_ENV });
    for (let offset = 0; offset < 72; offset++) {
      for (const tail of [80, 3, 0]) {
        const body = `{"model":"gpt-4","messages":[{"role":"user","content":"${"a".repeat(offset)}${escape}${"b".repeat(tail)}"}]}`;
        let valid = true;
        try { JSON.parse(body); } catch { valid = false; }
        const stream = host.createStream();
        stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "mapped.llm" }, body);
        expect(host.trap, body).toBeNull();
        if (valid) expect(stream.localResponse?.body, body).toBeUndefined();
        else expect(JSON.parse(stream.localResponse!.body).error.code, body).toBe("invalid_json");
        stream.complete();
      }
    }
  });

  it("survives 6,000 mutated bodies in body mode (route on the model), never sending an invalid one", async () => {
    const { host, configured } = await loadFilter(BODY_MODE_CONFIG, { allowOnHeadersStopIteration: true });
    expect(configured).toBe(true);
    const random = rng(0xb0d7);
    let forwarded = 0;
    for (let i = 0; i < 6_000; i++) {
      const body = mutateBody(SEED_BODIES[i % SEED_BODIES.length], random);
      const stream = host.createStream();
      const chunk = 1 + Math.floor(random() * 64);
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "router.llm:8080", "x-tier": "1" }, body, chunk);
      expect(host.trap, `body #${i}: ${body}`).toBeNull();
      if (stream.localResponse) {
        expect([400, 404, 413], `body #${i}: ${body}`).toContain(stream.localResponse.status);
        expect(stream.upstreamHeaders, "a refused request sent headers upstream").toBeNull();
      } else {
        forwarded++;
        const sent = JSON.parse(stream.upstreamBodyText());
        expect(typeof sent.model).toBe("string");
        expect(stream.requestHeader("content-length")).toBe(String(stream.upstreamBody.length));
      }
      stream.complete();
    }
    expect(forwarded).toBeGreaterThan(300);
  });

  it.each([["the all-types config", ALL_TYPES_CONFIG, 6_000], ["the body-mode routing config", BODY_MODE_CONFIG, 3_000]] as const)("survives mutated config texts of %s on one long-lived VM", async (_name, seed, count) => {
    const { host, configured } = await loadFilter(seed, { env: ALL_TYPES_ENV });
    expect(configured).toBe(true);
    const random = rng(0xc0f1);
    const text = JSON.stringify(seed);
    for (let i = 0; i < count; i++) {
      const candidate = mutateBody(text, random);
      host.configure(candidate);
      expect(host.trap, `config #${i}: ${candidate}`).toBeNull();
    }
  });

  it.each([["the all-types config", ALL_TYPES_CONFIG, 6_000], ["the body-mode routing config", BODY_MODE_CONFIG, 3_000]] as const)("survives configs with random values in random fields of %s", async (_name, seed, count) => {
    const { host } = await loadFilter(seed, { env: ALL_TYPES_ENV });
    const random = rng(0xbadc0f);
    const values: unknown[] = [null, true, 0, -1, 1.5, 1e308, "", "*", "a*b", "x".repeat(300), [], [{}], {}, { value: "k" }, { env: "" }, "\u0000"];
    for (let i = 0; i < count; i++) {
      const config = structuredClone(seed) as Record<string, unknown>;
      for (let k = 0; k < 3; k++) {
        // Walk to a random node and replace one of its members.
        let node: unknown = config;
        while (node && typeof node === "object" && random() < 0.7) {
          const keys = Object.keys(node as object);
          if (keys.length === 0) break;
          const next = (node as Record<string, unknown>)[keys[Math.floor(random() * keys.length)]];
          if (!next || typeof next !== "object") break;
          node = next;
        }
        if (node && typeof node === "object") {
          const keys = Object.keys(node as object);
          const key = keys.length > 0 && random() < 0.8 ? keys[Math.floor(random() * keys.length)] : "extra";
          (node as Record<string, unknown>)[key] = structuredClone(values[Math.floor(random() * values.length)]);
        }
      }
      host.configure(JSON.stringify(config));
      expect(host.trap, `config #${i}: ${JSON.stringify(config)}`).toBeNull();
    }
  });
});

// The module must import nothing Envoy lacks: a stray env.abort or env.seed makes Envoy refuse it.
import { describe, expect, it } from "vitest";
import { statSync } from "node:fs";
import { WASM_PATH, wasm } from "../support/filter.js";

describe("module imports and exports", () => {
  const module = new WebAssembly.Module(wasm() as Uint8Array<ArrayBuffer>);

  it("imports only env.proxy_* and wasi_snapshot_preview1.*", () => {
    const bad = WebAssembly.Module.imports(module)
      .filter((i) => !(i.module === "env" && i.name.startsWith("proxy_")) && i.module !== "wasi_snapshot_preview1")
      .map((i) => `${i.module}.${i.name}`);
    expect(bad).toEqual([]);
  });

  it("exports ABI 0.2.1, malloc and the HTTP callbacks", () => {
    const names = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of ["proxy_abi_version_0_2_1", "malloc", "memory", "proxy_on_context_create", "proxy_on_configure",
      "proxy_on_request_headers", "proxy_on_request_body", "proxy_on_response_headers", "proxy_on_done", "proxy_on_delete"]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain("proxy_abi_version_0_2_0");
  });

  // 150 KB held the header and body rewriting; translation between five APIs (OpenAI chat and
  // Responses, Anthropic, Gemini, Bedrock with SigV4 and AWS event streams) brought it to about
  // 275 KB at -O3 (-Os would save 7%, at a speed cost). The budget stays far under what an OCI
  // pull or a VM start notices (Higress's Go plugins are megabytes). Failover, consumers and quotas
  // brought it to 366 KB; request policy (templates, a linear-time pattern engine, extraction) to
  // about 405 KB. The minimal runtime (no shadow stack, no write barriers; assembly/entry-points.ts)
  // cut that to 280 KB, and the budget went back to 320 KB so the saving is kept. Hardening against
  // hostile input (issue 22: the secrets matcher, the text normalizer, the per-API model-text
  // reader, case-folded keys, bounded stream readers) and the first agent fixes (issue 23) brought
  // it to 321 KB. The rest of issue 23 (Gemini-native clients, prompt caching, thinking across five
  // APIs, platform credentials) brought it to 384 KiB. -O3 with shrinkLevel 1 would make it 333 KiB,
  // but measured 15-20% slower on 1 MB bodies and AWS event streams (in-VM micro bench), and speed
  // decides in the hot path. Issue 25 (target 150 KiB) kept -O3 and cut 25 KB (395 -> 370 KiB)
  // without slowing the hot path: config-loader functions kept out of inlining
  // (src-host-tools/asc/inline-rules.mjs) and long literals stored as UTF-8
  // (src-host-tools/asc/utf8-literals.mjs); the hot-path work of the same issue (a 256-byte escape
  // table, byte comparisons, reused scratch) added 5 KB back: 375.2 KiB. The budget is 380 KiB so
  // the saving is kept. Issue 26 (MCP routes: the JSON-RPC reader, list filtering, SSE events kept
  // as bytes, session bindings, MCP metrics; response trailers) added 33 KB: 408 KiB, budget 412 KiB.
  it("stays within the 412 KiB module budget", () => {
    expect(statSync(WASM_PATH).size).toBeLessThan(412 * 1024);
  });
});

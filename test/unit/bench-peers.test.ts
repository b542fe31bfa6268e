// `llm-mesh bench --peer` and `--ext-proc`: the options as parsed and refused, the Envoy wiring they
// become, the processor found by its port, the pass-through processor's protobuf by hand, and the
// 5x target against a Higress peer. The same wiring in real Envoy: test/integration/bench-peers.test.ts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { broughtPeerWiring, parsePeerOptions } from "../../src-host-tools/bench/brought-peers.js";
import { EXT_PROC_PROCESSING_MODE, processorProcesses } from "../../src-host-tools/bench/ext-proc-peer.js";
import { continueAnswer, requestPhase } from "../../src-host-tools/bench/ext-proc-server.js";
import { ComparedRun, peerComparisonTable, peerTargets } from "../../src-host-tools/bench/peer-comparison.js";
import { BenchReport, ListenerResult, cpuSplitTable, reportTable } from "../../src-host-tools/bench/envoy-bench.js";
import { UserError } from "../../src-host-tools/errors.js";

const dir = mkdtempSync(join(tmpdir(), "llm-mesh-bench-peers-"));
const WASM = join(dir, "peer.wasm");
writeFileSync(WASM, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
writeFileSync(join(dir, "config.json"), JSON.stringify({ provider: { type: "openai", apiTokens: ["bench-key-a"] } }));
writeFileSync(join(dir, "broken.json"), "{ provider: ");
writeFileSync(join(dir, "not-wasm.wasm"), "{}\n");

// The options do not depend on the module: run once, not again against the gc-stress build.
describe.skipIf(process.env.LLM_MESH_WASM !== undefined)("bench peers you bring", () => {
  it.each([
    ["a module, no config", { peer: ["higress=peer.wasm"] }, { modules: [{ name: "higress", wasmPath: WASM, configuration: {}, rootId: "" }], extProcs: [] }],
    ["a module and its JSON config", { peer: [`m1=${WASM},config=config.json`] }, { modules: [{ name: "m1", configuration: { provider: { type: "openai", apiTokens: ["bench-key-a"] } } }], extProcs: [] }],
    ["a root id", { peer: ["m_2=peer.wasm,root-id=ai-proxy"] }, { modules: [{ name: "m_2", rootId: "ai-proxy" }], extProcs: [] }],
    ["a module that holds request headers for the body", { peer: ["held=peer.wasm,stop-iteration"] }, { modules: [{ name: "held", allowOnHeadersStopIteration: true }], extProcs: [] }],
    ["an IPv4 processor", { extProc: ["aigw=127.0.0.1:1063"] }, { modules: [], extProcs: [{ name: "aigw", host: "127.0.0.1", port: 1063 }] }],
    ["an IPv6 processor", { extProc: ["v6=[::1]:9"] }, { modules: [], extProcs: [{ name: "v6", host: "::1", port: 9 }] }],
    ["a processor by host name", { extProc: ["named=extproc.local:65535"] }, { modules: [], extProcs: [{ name: "named", host: "extproc.local", port: 65535 }] }],
  ])("accepts %s", (_name, options, expected) => {
    expect(parsePeerOptions({ ...options, cwd: dir })).toMatchObject(expected);
  });

  it.each([
    ["no NAME=", { peer: ["peer.wasm"] }, ["--peer peer.wasm: expected --peer NAME=FILE.wasm[,config=FILE.json][,root-id=ID][,stop-iteration]"]],
    ["an empty file", { peer: ["m="] }, ["--peer m=: expected"]],
    ["a name that is not one", { peer: ["1st=peer.wasm"] }, ["the name 1st must start with a letter"]],
    ["a module that is missing", { peer: ["m=missing.wasm"] }, [`--peer m: ${join(dir, "missing.wasm")} does not exist`]],
    ["a directory", { peer: [`m=${dir}`] }, [`--peer m: ${dir} is not a file`]],
    ["a file that is not Wasm", { peer: ["m=not-wasm.wasm"] }, ["--peer m:", "is not a WebAssembly module"]],
    ["a config that is missing", { peer: ["m=peer.wasm,config=nope.json"] }, [`--peer m: plugin config ${join(dir, "nope.json")} does not exist`]],
    ["a config that is not JSON", { peer: ["m=peer.wasm,config=broken.json"] }, ["--peer m: plugin config", "broken.json is not JSON"]],
    ["an unknown setting", { peer: ["m=peer.wasm,cfg=config.json"] }, ['--peer m: unknown setting "cfg=config.json": expected config=FILE.json, root-id=ID or stop-iteration']],
    ["the bench's own name", { peer: ["bare=peer.wasm"] }, ["peer name bare is the bench's own listener"]],
    ["the envoy_work fixture's name", { peer: ["envoy_work=peer.wasm"] }, ["peer name envoy_work is the bench's own listener"]],
    ["a name given twice", { peer: ["x=peer.wasm"], extProc: ["x=127.0.0.1:1"] }, ["peer name x is given twice"]],
    ["an address without a port", { extProc: ["p=127.0.0.1"] }, ["--ext-proc p: 127.0.0.1 is not HOST:PORT"]],
    ["a port out of range", { extProc: ["p=127.0.0.1:70000"] }, ["--ext-proc p: 127.0.0.1:70000 is not HOST:PORT"]],
    ["brackets without IPv6", { extProc: ["p=[localhost]:1"] }, ["--ext-proc p: [localhost]:1 is not HOST:PORT"]],
    ["every problem at once", { peer: ["m=missing.wasm", "n=peer.wasm,config=broken.json"], extProc: ["p=nowhere"] }, ["--peer m:", "--peer n:", "--ext-proc p:", "run llm-mesh bench again"]],
  ])("refuses %s, naming the flag", (_name, options, fragments) => {
    let error: unknown;
    try { parsePeerOptions({ ...options, cwd: dir }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(UserError);
    for (const f of fragments) expect((error as Error).message).toContain(f);
  });

  it("wires a listener per peer: the module with its config as a string, the processor through ext_proc over HTTP/2", () => {
    const wiring = broughtPeerWiring(parsePeerOptions({ peer: [`higress=${WASM},config=config.json`], extProc: ["aigw=127.0.0.1:1063"], cwd: dir }));
    expect(wiring.peerListeners.map((l) => [l.name, l.port])).toEqual([["higress", 0], ["aigw", 0]]);
    expect(wiring.peerListeners[0].filters[0]).toMatchObject({ typed_config: { config: {
      vm_config: { vm_id: "higress", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: WASM } } },
      configuration: { value: JSON.stringify({ provider: { type: "openai", apiTokens: ["bench-key-a"] } }) },
    } } });
    expect(JSON.stringify(wiring.peerListeners[0])).not.toContain("allow_on_headers_stop_iteration");
    const held = broughtPeerWiring(parsePeerOptions({ peer: [`held=${WASM},stop-iteration`], cwd: dir }));
    expect(held.peerListeners[0].filters[0]).toMatchObject({ typed_config: { config: { allow_on_headers_stop_iteration: true } } });
    expect(wiring.peerListeners[1].filters[0]).toMatchObject({ name: "envoy.filters.http.ext_proc", typed_config: {
      grpc_service: { envoy_grpc: { cluster_name: "ext_proc_aigw" } }, processing_mode: EXT_PROC_PROCESSING_MODE, failure_mode_allow: false,
    } });
    expect(EXT_PROC_PROCESSING_MODE).toMatchObject({ request_body_mode: "BUFFERED", response_body_mode: "BUFFERED", request_header_mode: "SEND", response_header_mode: "SEND" });
    expect(wiring.extraClusters).toMatchObject([{ name: "ext_proc_aigw", type: "STATIC",
      typed_extension_protocol_options: { "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": { explicit_http_config: { http2_protocol_options: {} } } },
      load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 1063 } } } }] }] } }]);
  });

  it("finds the processor's process by the port it listens on, and says why when it cannot", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(processorProcesses({ name: "p", host: "127.0.0.1", port })).toMatchObject({ pids: [process.pid] });
      expect(processorProcesses({ name: "p", host: "10.1.2.3", port })).toMatchObject({ pids: [], listening: true, missing: expect.stringContaining("not a loopback address") });
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(processorProcesses({ name: "p", host: "127.0.0.1", port })).toMatchObject({ pids: [], listening: false, missing: `nothing listens on port ${port}` });
  });

  it.each([
    // ProcessingRequest bytes: field 2..7 (length-delimited) is the phase; other fields are skipped.
    ["request headers", [0x12, 0x00], 2],
    ["response headers", [0x1a, 0x02, 0x0a, 0x00], 3],
    ["request body, after attributes (field 9)", [0x4a, 0x01, 0x00, 0x22, 0x03, 0x0a, 0x01, 0x7b], 4],
    ["response body, after observability_mode (varint field 10)", [0x50, 0x00, 0x2a, 0x00], 5],
    ["request trailers", [0x32, 0x00], 6],
    ["response trailers", [0x3a, 0x00], 7],
    ["no phase", [0x08, 0x01], undefined],
    ["a length past the end", [0x22, 0x05, 0x00], undefined],
    ["a cut varint", [0x22, 0x80], undefined],
    ["a group wire type", [0x23], undefined],
  ])("reads the phase of a ProcessingRequest: %s", (_name, bytes, phase) => {
    expect(requestPhase(Uint8Array.from(bytes))).toBe(phase);
  });

  it.each([
    // ProcessingResponse field (phase - 1) holding { response: CommonResponse {} } (status CONTINUE by default).
    [2, [0x0a, 0x02, 0x0a, 0x00]],
    [3, [0x12, 0x02, 0x0a, 0x00]],
    [4, [0x1a, 0x02, 0x0a, 0x00]],
    [5, [0x22, 0x02, 0x0a, 0x00]],
    [6, [0x2a, 0x00]],
    [7, [0x32, 0x00]],
  ] as const)("answers phase %d with CONTINUE", (phase, bytes) => {
    expect([...continueAnswer(phase)]).toEqual(bytes);
  });

  const run = (higress: number[], aigw: number[]): ComparedRun => ({
    cases: ["1 KB", "64 KB", "1 MB"].map((c, i) => ({ case: c, filter: { cpuMicrosPerRequest: 100 }, peers: { higress_ai_proxy: { cpuMicrosPerRequest: higress[i] }, aigw: { cpuMicrosPerRequest: aigw[i] } } })),
    peers: [{ name: "higress_ai_proxy" }, { name: "aigw" }, { name: "rust_floor", skipped: "cargo is not installed" }],
  });

  it.each([
    ["met at every size", [500, 1000, 2000], true, "1 KB 5.00x, 64 KB 10.00x, 1 MB 20.00x"],
    ["missed at one size", [330, 1000, 2000], false, "1 KB 3.30x, 64 KB 10.00x, 1 MB 20.00x"],
    ["missed when a figure is missing", [500, NaN, 2000], false, "1 KB 5.00x, 64 KB n/a, 1 MB 20.00x"],
  ])("judges the 5x target against the Higress peer: %s", (_name, higress, met, measured) => {
    expect(peerTargets(run(higress, [200, 200, 200]))).toEqual([{ name: "CPU per request at every size, higress_ai_proxy / llm-mesh", target: ">= 5x", measured, met }]);
  });

  it("prints llm-mesh's ratio against every measured peer, and no target without a Higress peer", () => {
    const table = peerComparisonTable(run([330, 1000, 2000], [250, NaN, 700]));
    expect(table).toMatch(/1 KB +higress_ai_proxy +330\.0 \/ 100\.0 +3\.30x +\(target >= 5x: MISS\)/);
    expect(table).toMatch(/64 KB +aigw +n\/a \/ 100\.0 +n\/a \(no CPU figure for the peer\)\n/);
    expect(table).toMatch(/1 MB +aigw +700\.0 \/ 100\.0 +7\.00x$/);
    expect(table).not.toContain("rust_floor");
    expect(peerTargets({ ...run([1, 1, 1], [1, 1, 1]), peers: [{ name: "aigw" }] })).toEqual([]);
  });

  it("splits llm-mesh's CPU above bare into Proxy-Wasm itself, Envoy's side of its host calls (envoy_work) and its own code", () => {
    const l = (cpu: number): ListenerResult => ({ rps: 1000, cpuMicrosPerRequest: cpu, p50Micros: 200, p99Micros: 300 });
    const c = (name: string, bare: number, floor: number, work: number | undefined, mesh: number) =>
      ({ case: name, bare: l(bare), floor: l(floor), filter: l(mesh), peers: work === undefined ? {} : { envoy_work: l(work) } });
    const split = cpuSplitTable({ cases: [c("1 KB", 30, 33, 45, 53), c("64 KB", 70, 75, 110, 130), c("1 MB", 500, 510, undefined, 800)] } as unknown as BenchReport);
    expect(split).toMatch(/\n1 KB +3\.0 +12\.0 +8\.0 +23\.0\n/);
    expect(split).toMatch(/\n64 KB +5\.0 +35\.0 +20\.0 +60\.0$/);
    expect(split).not.toContain("1 MB"); // a case without the fixture's figure has no row
  });

  it("shows an external processor's CPU as Envoy's plus the processor's, or n/a when its process was not found", () => {
    const l = (cpu: number, extra: Partial<ListenerResult> = {}): ListenerResult => ({ rps: 1000, cpuMicrosPerRequest: cpu, p50Micros: 400, p99Micros: 900, ...extra });
    const report: BenchReport = {
      date: "2026-12-05T00:00:00.000Z", machine: { cores: 2, node: "v24", envoy: "1.40.0" }, moduleBytes: 280 << 10,
      cases: [{
        case: "1 KB", bodyBytes: 1024, concurrency: 16, bare: l(170), floor: l(200), filter: l(300), filterHeaders: l(310), filterNoMetrics: l(290),
        throughputRatio: 0.6, floorRatio: 0.9, cpuThroughputRatio: 0.57, addedP50Micros: 0, addedP99Micros: 0, non2xx: 0,
        peers: {
          higress: l(1600),
          aigw: l(900, { envoyCpuMicrosPerRequest: 400, processorCpuMicrosPerRequest: 500 }),
          remote: l(NaN, { envoyCpuMicrosPerRequest: 380, processorCpuMicrosPerRequest: NaN }),
        },
      }],
      envoyRssBefore: 0, envoyRssAfter: 0, vmMemoryBefore: 0, vmMemoryAfter: 0, micro: [], translation: [], metrics: [], policy: [], secrets: [], soaks: [], scale: [],
      peers: [
        { name: "higress", kind: "wasm", description: "your module /tmp/ai-proxy.wasm", moduleBytes: 4 << 20 },
        { name: "aigw", kind: "ext_proc", description: "external processor at 127.0.0.1:1063", processor: { address: "127.0.0.1:1063", pids: [42], names: ["extproc"] } },
        { name: "remote", kind: "ext_proc", description: "external processor at 10.0.0.1:1063", processor: { address: "10.0.0.1:1063", pids: [], missing: "not a loopback address" } },
      ],
      upstreamRequestsPerConnection: 5000, targets: [],
    };
    const table = reportTable(report);
    expect(table).toMatch(/1 KB +aigw +- +1000 +900\.0 .*Envoy 400\.0 \+ processor 500\.0 µs\/req/);
    expect(table).toMatch(/1 KB +remote +- +1000 +n\/a .*Envoy 380\.0 \+ processor n\/a µs\/req/);
    expect(table).toMatch(/1 KB +higress +1600\.0 \/ 300\.0 +5\.33x +\(target >= 5x: met\)/);
    expect(table).toMatch(/1 KB +remote +n\/a \/ 300\.0 +n\/a \(no CPU figure for the peer\)/);
  });
});

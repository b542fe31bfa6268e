// A Proxy-Wasm (ABI v0.2.1) host in TypeScript: loads a compiled module, implements the host
// functions Envoy provides, and exposes drive and inspect methods for tests and for users who want
// to try a configuration without Envoy. It follows Envoy's rules where they matter to a filter:
// a paused stream accumulates body data, Continue flushes it upstream, header changes after the
// headers went upstream are lost, and a local reply ends the stream.
import { randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  BufferType, DataAction, HeadersAction, HeaderList, LogLevel, LogLevelName, MapType, Status,
  deserializeHeaders, logLevelNames, serializeHeaders,
} from "./abi.js";

/** A log line the module wrote. */
export interface LogEntry { level: LogLevelName; message: string }

/** A reply the module sent instead of forwarding the request. */
export interface LocalResponse { status: number; details: string; body: string; headers: HeaderList }

/** The module trapped or called proc_exit: in Envoy this kills the VM for every later request. */
export class VmTrap extends Error {
  constructor(public readonly callback: string, cause: unknown) {
    super(`wasm VM trapped in ${callback}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

class ProcExit extends Error {
  constructor(public readonly code: number) { super(`proc_exit(${code})`); }
}

export interface EmulatorOptions {
  /** Shared data to share with other emulators, as Envoy's worker threads' copies of one VM share theirs. */
  sharedData?: Map<string, SharedValue>;
  /** Environment the VM sees (Envoy vm_config.environment_variables). */
  env?: Record<string, string>;
  /** root_id of the plugin (Istio: the WasmPlugin's pluginName). */
  rootId?: string;
  /** Properties readable with proxy_get_property, keyed by dotted path ("xds.cluster_name"). */
  properties?: Record<string, string>;
  /** Minimum level of log lines kept and reported to the module. Default: trace. */
  logLevel?: LogLevelName;
  /** Replaces WASI random_get (deterministic tests). */
  random?: (bytes: Uint8Array) => void;
  /** Replaces the host clock (nanoseconds). */
  clock?: () => bigint;
  /** Record how long each module callback takes (see HostEmulator.timings). */
  timeCallbacks?: boolean;
  /**
   * Envoy's route choice: the cluster a request's :authority routes to, reported as
   * xds.cluster_name (as Envoy does, from the headers as they arrive) unless a stream sets it.
   */
  routeCluster?: (authority: string) => string | undefined;
  /**
   * Envoy's `allow_on_headers_stop_iteration` (PluginConfig, Envoy >= 1.35): a StopIteration from
   * on_request_headers holds the headers but still delivers the body to the filter, which may then
   * rewrite both and continue. Without it (the default, as in Envoy) a stop is StopAllIteration.
   */
  allowOnHeadersStopIteration?: boolean;
  /** Imports beyond the ABI, for an instrumented build (the allocation counter, src-host-tools/bench/allocations.ts). */
  extraImports?: WebAssembly.Imports;
}

/** Time spent inside one kind of module callback, host functions it called included. */
export interface CallbackTiming { calls: number; nanos: bigint }

export interface SharedValue { value: Uint8Array; cas: number }
interface Metric { type: number; name: string; value: bigint; samples: bigint[] }
/** A metric as Envoy's tag extraction and Prometheus see it: its name without the `tag=.=value;.;` labels, and the labels. */
export interface LabelledMetric { name: string; labels: Record<string, string>; type: number; value: bigint; samples: bigint[] }

/** Splits an Istio-encoded stat name (`a=.=1;.;b=.=2;.;base`) into its base name and labels. */
export function splitStatName(full: string): { name: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  const name = full.replace(/([A-Za-z0-9_]+)=\.=(.*?);\.;/g, (_m, tag: string, value: string) => { labels[tag] = value; return ""; });
  return { name, labels };
}
/** An outgoing proxy_http_call the module made. */
export interface HttpCall { token: number; contextId: number; upstream: string; headers: HeaderList; body: Uint8Array; trailers: HeaderList; timeoutMs: number }

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a counted host call names, for HostEmulator.hostCallsByName: the property path, the header. */
const MAP_NAMES = ["request headers", "request trailers", "response headers", "response trailers", "grpc initial", "grpc trailing", "call response headers", "call response trailers"];
const DETAIL_ARGS: Record<string, (h: HostEmulator, a: number[]) => string> = {
  proxy_get_property: (h, a) => h.stringAt(a[0], a[1]).split("\0").join("."),
  proxy_set_property: (h, a) => h.stringAt(a[0], a[1]).split("\0").join("."),
  proxy_get_header_map_value: (h, a) => `${MAP_NAMES[a[0]]}: ${h.stringAt(a[1], a[2])}`,
  proxy_replace_header_map_value: (h, a) => `${MAP_NAMES[a[0]]}: ${h.stringAt(a[1], a[2])}`,
  proxy_remove_header_map_value: (h, a) => `${MAP_NAMES[a[0]]}: ${h.stringAt(a[1], a[2])}`,
  proxy_add_header_map_value: (h, a) => `${MAP_NAMES[a[0]]}: ${h.stringAt(a[1], a[2])}`,
  proxy_get_header_map_pairs: (_h, a) => MAP_NAMES[a[0]],
  proxy_set_header_map_pairs: (_h, a) => MAP_NAMES[a[0]],
};

/** Loads and runs one Proxy-Wasm module instance (one VM, one plugin root context). */
export class HostEmulator {
  readonly logs: LogEntry[] = [];
  readonly metrics = new Map<number, Metric>();
  readonly httpCalls: HttpCall[] = [];
  /** The VM's shared data; worker threads' VMs share one (EmulatorOptions.sharedData). */
  readonly sharedData: Map<string, SharedValue>;
  tickPeriodMs = 0;
  /** Set once the VM trapped; every later call fails, as in Envoy. */
  trap: VmTrap | null = null;
  /** Per-callback timings, when EmulatorOptions.timeCallbacks is set. */
  readonly timings = new Map<string, CallbackTiming>();
  /**
   * Time spent in this emulator's host functions (JavaScript) during timed callbacks, and how many
   * calls: subtract it to get the module's own time; a real host's calls cost what they cost there.
   */
  readonly hostTime: CallbackTiming = { calls: 0, nanos: 0n };
  /** Host calls by function (with the property path or header name they name), when timing callbacks. */
  readonly hostCallsByName = new Map<string, number>();

  private instance!: WebAssembly.Instance;
  private exports!: Record<string, (...args: number[]) => number>;
  private readonly rootContextId = 1;
  private nextContextId = 2;
  private currentContextId = 0;
  private readonly streams = new Map<number, HttpStream>();
  private pluginConfig: Uint8Array = new Uint8Array(0);
  private vmConfig: Uint8Array = new Uint8Array(0);
  private readonly env: Record<string, string>;
  /** Properties of the VM (plugin, node): a stream's own properties shadow these. */
  readonly properties: Record<string, string>;
  private readonly minLevel: number;
  private readonly random: (bytes: Uint8Array) => void;
  private readonly clock: () => bigint;
  private readonly timeCallbacks: boolean;
  /** @internal */
  readonly routeCluster?: (authority: string) => string | undefined;
  /** @internal */
  readonly allowOnHeadersStopIteration: boolean;
  private nextMetricId = 1;
  private nextCallToken = 1;
  private callResponse: { headers: HeaderList; body: Uint8Array; trailers: HeaderList } | null = null;

  private readonly extraImports: WebAssembly.Imports;

  private constructor(options: EmulatorOptions) {
    this.extraImports = options.extraImports ?? {};
    this.sharedData = options.sharedData ?? new Map<string, SharedValue>();
    this.env = options.env ?? {};
    // As Envoy sets them: the plugin's name and VM id (both "llm-mesh" in the bootstraps llm-mesh writes).
    this.properties = { plugin_root_id: options.rootId ?? "", plugin_name: "llm-mesh", plugin_vm_id: "llm-mesh", ...(options.properties ?? {}) };
    this.minLevel = LogLevel[options.logLevel ?? "trace"];
    this.random = options.random ?? ((b) => randomFillSync(b));
    // Envoy's clock is the wall clock (proxy_get_current_time_nanoseconds is system time).
    this.clock = options.clock ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.timeCallbacks = options.timeCallbacks ?? false;
    this.routeCluster = options.routeCluster;
    this.allowOnHeadersStopIteration = options.allowOnHeadersStopIteration ?? false;
  }

  /** Compiles and instantiates a module from a path or bytes. */
  static async load(module: string | Uint8Array, options: EmulatorOptions = {}): Promise<HostEmulator> {
    const bytes = typeof module === "string" ? readFileSync(module) : module;
    return HostEmulator.instantiate(await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), options);
  }

  /** A fresh VM of an already compiled module, synchronously (compile once, instantiate per use). */
  static instantiate(compiled: WebAssembly.Module, options: EmulatorOptions = {}): HostEmulator {
    const host = new HostEmulator(options);
    host.instance = new WebAssembly.Instance(compiled, host.imports());
    host.exports = host.instance.exports as unknown as Record<string, (...args: number[]) => number>;
    for (const start of ["_initialize", "_start"]) if (host.exports[start]) host.call(start);
    host.call("proxy_on_context_create", host.rootContextId, 0);
    return host;
  }

  /** Starts the VM and configures the plugin, as Envoy does on load. Returns the module's verdict. */
  configure(pluginConfig: string, vmConfig = ""): boolean {
    this.pluginConfig = encoder.encode(pluginConfig);
    this.vmConfig = encoder.encode(vmConfig);
    if (this.call("proxy_on_vm_start", this.rootContextId, this.vmConfig.length) === 0) return false;
    return this.call("proxy_on_configure", this.rootContextId, this.pluginConfig.length) !== 0;
  }

  /** Opens a new HTTP stream (one request/response exchange). */
  createStream(properties: Record<string, string> = {}): HttpStream {
    const id = this.nextContextId++;
    const stream = new HttpStream(this, id, properties);
    this.streams.set(id, stream);
    this.call("proxy_on_context_create", id, this.rootContextId);
    return stream;
  }

  /** Fires the plugin's timer once. */
  tick(): void { this.call("proxy_on_tick", this.rootContextId); }

  /** Delivers the response to an earlier proxy_http_call. */
  deliverHttpCallResponse(token: number, headers: HeaderList, body: string | Uint8Array = "", trailers: HeaderList = []): void {
    const bodyBytes = typeof body === "string" ? encoder.encode(body) : body;
    this.callResponse = { headers, body: bodyBytes, trailers };
    try {
      this.call("proxy_on_http_call_response", this.rootContextId, token, headers.length, bodyBytes.length, trailers.length);
    } finally {
      this.callResponse = null;
    }
  }

  /** Log lines at or above a level, as text. */
  logText(minimum: LogLevelName = "trace"): string[] {
    return this.logs.filter((l) => LogLevel[l.level] >= LogLevel[minimum]).map((l) => `[${l.level}] ${l.message}`);
  }

  /** A metric's current value by name. */
  metric(name: string): bigint | undefined {
    for (const m of this.metrics.values()) if (m.name === name) return m.value;
    return undefined;
  }

  /** Every metric whose base name (labels removed) is `name`. */
  labelled(name: string): LabelledMetric[] {
    const out: LabelledMetric[] = [];
    for (const m of this.metrics.values()) {
      const split = splitStatName(m.name);
      if (split.name === name) out.push({ ...split, type: m.type, value: m.value, samples: m.samples });
    }
    return out;
  }

  /** Bytes of linear memory the VM holds now. */
  memoryBytes(): number { return this.memory().buffer.byteLength; }

  /** Calls a module export with a context made current; a trap poisons the VM. */
  call(name: string, ...args: number[]): number {
    if (this.trap) throw this.trap;
    const fn = this.exports[name];
    if (!fn) return 0; // Envoy skips callbacks a module does not export.
    const previous = this.currentContextId;
    if (name.startsWith("proxy_on_") && args.length > 0) this.currentContextId = args[0];
    try {
      const started = this.timeCallbacks ? process.hrtime.bigint() : 0n;
      const result = fn(...args);
      if (this.timeCallbacks) {
        const t = this.timings.get(name) ?? { calls: 0, nanos: 0n };
        t.calls++;
        t.nanos += process.hrtime.bigint() - started;
        this.timings.set(name, t);
      }
      return typeof result === "number" ? result : 0;
    } catch (error) {
      this.trap = new VmTrap(name, error);
      throw this.trap;
    } finally {
      this.currentContextId = previous;
    }
  }

  // ---- memory helpers ----

  private memory(): WebAssembly.Memory { return this.instance.exports.memory as WebAssembly.Memory; }
  private bytes(): Uint8Array { return new Uint8Array(this.memory().buffer); }
  private view(): DataView { return new DataView(this.memory().buffer); }
  private read(ptr: number, len: number): Uint8Array { return this.bytes().slice(ptr, ptr + len); }
  private readString(ptr: number, len: number): string { return decoder.decode(this.read(ptr, len)); }
  /** @internal a string in the module's memory, for counting host calls. */
  stringAt(ptr: number, len: number): string { return this.readString(ptr, len); }

  /** Copies bytes into module memory through its malloc and writes pointer and size out. */
  private writeReturn(data: Uint8Array, ptrPtr: number, sizePtr: number): number {
    const malloc = this.exports.malloc ?? this.exports.proxy_on_memory_allocate;
    const ptr = data.length === 0 ? 0 : malloc(data.length);
    if (data.length > 0 && ptr === 0) return Status.InternalFailure;
    if (data.length > 0) this.bytes().set(data, ptr);
    this.view().setUint32(ptrPtr, ptr, true);
    this.view().setUint32(sizePtr, data.length, true);
    return Status.Ok;
  }

  private currentStream(): HttpStream | undefined { return this.streams.get(this.currentContextId); }

  // ---- the host functions ----

  private headerMap(type: number): HeaderList | undefined {
    if (type === MapType.HttpCallResponseHeaders) return this.callResponse?.headers;
    if (type === MapType.HttpCallResponseTrailers) return this.callResponse?.trailers;
    return this.currentStream()?.mapFor(type);
  }

  private bufferFor(type: number): Uint8Array | undefined {
    if (type === BufferType.PluginConfiguration) return this.pluginConfig;
    if (type === BufferType.VmConfiguration) return this.vmConfig;
    if (type === BufferType.HttpCallResponseBody) return this.callResponse?.body;
    return this.currentStream()?.bufferFor(type);
  }

  private imports(): WebAssembly.Imports {
    const h = this;
    const env = {
      proxy_log(level: number, ptr: number, len: number): number {
        if (level >= h.minLevel) h.logs.push({ level: logLevelNames[level] ?? "info", message: h.readString(ptr, len) });
        return Status.Ok;
      },
      proxy_get_log_level(ptr: number): number { h.view().setUint32(ptr, h.minLevel, true); return Status.Ok; },
      proxy_get_current_time_nanoseconds(ptr: number): number { h.view().setBigUint64(ptr, h.clock(), true); return Status.Ok; },
      proxy_set_tick_period_milliseconds(ms: number): number { h.tickPeriodMs = ms; return Status.Ok; },
      proxy_set_effective_context(id: number): number {
        if (id !== h.rootContextId && !h.streams.has(id)) return Status.BadArgument;
        h.currentContextId = id;
        return Status.Ok;
      },
      proxy_done(): number { return Status.Ok; },
      proxy_get_status(codePtr: number, msgPtr: number, msgSizePtr: number): number {
        h.view().setUint32(codePtr, 0, true);
        return h.writeReturn(new Uint8Array(0), msgPtr, msgSizePtr);
      },

      proxy_get_property(pathPtr: number, pathLen: number, retPtr: number, retSize: number): number {
        const path = h.readString(pathPtr, pathLen).split("\0").join(".");
        const value = h.currentStream()?.properties[path] ?? h.properties[path];
        if (value === undefined) return Status.NotFound;
        return h.writeReturn(encoder.encode(value), retPtr, retSize);
      },
      proxy_set_property(pathPtr: number, pathLen: number, valuePtr: number, valueLen: number): number {
        const path = h.readString(pathPtr, pathLen).split("\0").join(".");
        const stream = h.currentStream();
        (stream ? stream.properties : h.properties)[path] = h.readString(valuePtr, valueLen);
        return Status.Ok;
      },

      proxy_get_header_map_value(type: number, keyPtr: number, keyLen: number, retPtr: number, retSize: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        const key = h.readString(keyPtr, keyLen).toLowerCase();
        const entry = map.find(([k]) => k === key);
        if (!entry) return Status.NotFound;
        return h.writeReturn(encoder.encode(entry[1]), retPtr, retSize);
      },
      proxy_get_header_map_pairs(type: number, retPtr: number, retSize: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        return h.writeReturn(serializeHeaders(map), retPtr, retSize);
      },
      proxy_get_header_map_size(type: number, retSize: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        h.view().setUint32(retSize, serializeHeaders(map).length, true);
        return Status.Ok;
      },
      proxy_set_header_map_pairs(type: number, ptr: number, len: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        const pairs = deserializeHeaders(h.read(ptr, len));
        map.splice(0, map.length, ...pairs.map(([k, v]) => [k.toLowerCase(), v] as [string, string]));
        return Status.Ok;
      },
      proxy_add_header_map_value(type: number, keyPtr: number, keyLen: number, valuePtr: number, valueLen: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        map.push([h.readString(keyPtr, keyLen).toLowerCase(), h.readString(valuePtr, valueLen)]);
        return Status.Ok;
      },
      proxy_replace_header_map_value(type: number, keyPtr: number, keyLen: number, valuePtr: number, valueLen: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        const key = h.readString(keyPtr, keyLen).toLowerCase();
        const value = h.readString(valuePtr, valueLen);
        const first = map.findIndex(([k]) => k === key);
        const kept = map.filter(([k]) => k !== key);
        if (first < 0) kept.push([key, value]);
        else kept.splice(first, 0, [key, value]);
        map.splice(0, map.length, ...kept);
        return Status.Ok;
      },
      proxy_remove_header_map_value(type: number, keyPtr: number, keyLen: number): number {
        const map = h.headerMap(type);
        if (!map) return Status.NotFound;
        const key = h.readString(keyPtr, keyLen).toLowerCase();
        map.splice(0, map.length, ...map.filter(([k]) => k !== key));
        return Status.Ok;
      },

      proxy_get_buffer_status(type: number, sizePtr: number, flagsPtr: number): number {
        const buffer = h.bufferFor(type);
        if (!buffer) return Status.NotFound;
        h.view().setUint32(sizePtr, buffer.length, true);
        h.view().setUint32(flagsPtr, 0, true);
        return Status.Ok;
      },
      proxy_get_buffer_bytes(type: number, start: number, maxSize: number, retPtr: number, retSize: number): number {
        const buffer = h.bufferFor(type);
        if (!buffer) return Status.NotFound;
        start >>>= 0;
        maxSize >>>= 0;
        if (start > buffer.length) return Status.BadArgument;
        return h.writeReturn(buffer.subarray(start, Math.min(buffer.length, start + maxSize)), retPtr, retSize);
      },
      proxy_set_buffer_bytes(type: number, start: number, length: number, ptr: number, size: number): number {
        const stream = h.currentStream();
        const buffer = stream?.bufferFor(type);
        if (!stream || !buffer) return Status.NotFound;
        start >>>= 0;
        length >>>= 0;
        const data = h.read(ptr, size);
        // Envoy's rules: start 0 with length >= size replaces, length 0 prepends; start >= size appends.
        let next: Uint8Array;
        if (start === 0 && length >= buffer.length && length !== 0) next = data;
        else if (start === 0 && length === 0) next = concat(data, buffer);
        else if (start >= buffer.length) next = concat(buffer, data);
        else return Status.BadArgument;
        stream.setBuffer(type, next);
        return Status.Ok;
      },

      proxy_continue_stream(type: number): number {
        const stream = h.currentStream();
        if (!stream) return Status.NotFound;
        stream.resume(type);
        return Status.Ok;
      },
      proxy_close_stream(type: number): number {
        const stream = h.currentStream();
        if (!stream) return Status.NotFound;
        stream.closed = true;
        return Status.Ok;
      },
      proxy_send_local_response(status: number, detailsPtr: number, detailsLen: number, bodyPtr: number, bodyLen: number,
        headersPtr: number, headersLen: number, _grpcStatus: number): number {
        const stream = h.currentStream();
        if (!stream) return Status.NotFound;
        if (stream.localResponse) return Status.BadArgument;
        stream.localResponse = {
          status,
          details: h.readString(detailsPtr, detailsLen),
          body: h.readString(bodyPtr, bodyLen),
          headers: deserializeHeaders(h.read(headersPtr, headersLen)),
        };
        return Status.Ok;
      },

      proxy_define_metric(type: number, namePtr: number, nameLen: number, retId: number): number {
        const name = h.readString(namePtr, nameLen);
        let id = [...h.metrics.entries()].find(([, m]) => m.name === name)?.[0];
        if (id === undefined) {
          id = h.nextMetricId++;
          h.metrics.set(id, { type, name, value: 0n, samples: [] });
        }
        h.view().setUint32(retId, id, true);
        return Status.Ok;
      },
      proxy_increment_metric(id: number, delta: bigint): number {
        const m = h.metrics.get(id);
        if (!m) return Status.NotFound;
        m.value += BigInt(delta);
        return Status.Ok;
      },
      proxy_record_metric(id: number, value: bigint): number {
        const m = h.metrics.get(id);
        if (!m) return Status.NotFound;
        m.value = BigInt.asUintN(64, BigInt(value));
        if (m.type === 2) m.samples.push(m.value);
        return Status.Ok;
      },
      proxy_get_metric(id: number, retPtr: number): number {
        const m = h.metrics.get(id);
        if (!m) return Status.NotFound;
        h.view().setBigUint64(retPtr, m.value, true);
        return Status.Ok;
      },

      proxy_get_shared_data(keyPtr: number, keyLen: number, retPtr: number, retSize: number, casPtr: number): number {
        const entry = h.sharedData.get(h.readString(keyPtr, keyLen));
        if (!entry) return Status.NotFound;
        h.view().setUint32(casPtr, entry.cas, true);
        return h.writeReturn(entry.value, retPtr, retSize);
      },
      proxy_set_shared_data(keyPtr: number, keyLen: number, valuePtr: number, valueLen: number, cas: number): number {
        const key = h.readString(keyPtr, keyLen);
        const entry = h.sharedData.get(key);
        if (cas !== 0 && entry && entry.cas !== cas) return Status.CasMismatch;
        h.sharedData.set(key, { value: h.read(valuePtr, valueLen), cas: (entry?.cas ?? 0) + 1 });
        return Status.Ok;
      },
      proxy_register_shared_queue(): number { return Status.Unimplemented; },
      proxy_resolve_shared_queue(): number { return Status.Unimplemented; },
      proxy_enqueue_shared_queue(): number { return Status.Unimplemented; },
      proxy_dequeue_shared_queue(): number { return Status.Unimplemented; },

      proxy_http_call(upPtr: number, upLen: number, hPtr: number, hLen: number, bPtr: number, bLen: number,
        tPtr: number, tLen: number, timeout: number, tokenPtr: number): number {
        const token = h.nextCallToken++;
        h.httpCalls.push({
          token, contextId: h.currentContextId, upstream: h.readString(upPtr, upLen),
          headers: deserializeHeaders(h.read(hPtr, hLen)), body: h.read(bPtr, bLen),
          trailers: deserializeHeaders(h.read(tPtr, tLen)), timeoutMs: timeout,
        });
        h.view().setUint32(tokenPtr, token, true);
        return Status.Ok;
      },
      proxy_grpc_call(): number { return Status.Unimplemented; },
      proxy_grpc_stream(): number { return Status.Unimplemented; },
      proxy_grpc_send(): number { return Status.Unimplemented; },
      proxy_grpc_cancel(): number { return Status.Unimplemented; },
      proxy_grpc_close(): number { return Status.Unimplemented; },
      proxy_call_foreign_function(): number { return Status.NotFound; },
    };

    const wasi = {
      fd_write(fd: number, iovs: number, iovsLen: number, writtenPtr: number): number {
        let text = "";
        let written = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = h.view().getUint32(iovs + i * 8, true);
          const len = h.view().getUint32(iovs + i * 8 + 4, true);
          text += h.readString(ptr, len);
          written += len;
        }
        h.logs.push({ level: fd === 2 ? "error" : "info", message: text.replace(/\n$/, "") });
        h.view().setUint32(writtenPtr, written, true);
        return 0;
      },
      proc_exit(code: number): never { throw new ProcExit(code); },
      random_get(ptr: number, len: number): number {
        const bytes = new Uint8Array(len);
        h.random(bytes);
        h.bytes().set(bytes, ptr);
        return 0;
      },
      clock_time_get(_id: number, _precision: bigint, retPtr: number): number {
        h.view().setBigUint64(retPtr, h.clock(), true);
        return 0;
      },
      environ_sizes_get(countPtr: number, sizePtr: number): number {
        const entries = Object.entries(h.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
        h.view().setUint32(countPtr, entries.length, true);
        h.view().setUint32(sizePtr, entries.reduce((n, e) => n + e.length, 0), true);
        return 0;
      },
      environ_get(pointersPtr: number, bufPtr: number): number {
        let offset = bufPtr;
        Object.entries(h.env).forEach(([k, v], i) => {
          const entry = encoder.encode(`${k}=${v}\0`);
          h.view().setUint32(pointersPtr + i * 4, offset, true);
          h.bytes().set(entry, offset);
          offset += entry.length;
        });
        return 0;
      },
      args_sizes_get(countPtr: number, sizePtr: number): number {
        h.view().setUint32(countPtr, 0, true);
        h.view().setUint32(sizePtr, 0, true);
        return 0;
      },
      args_get(): number { return 0; },
    };
    if (this.timeCallbacks) {
      // Every host function is timed, so the module's own share of a callback can be told apart.
      const timed = <T extends Record<string, unknown>>(functions: T): T => Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        try { return (f as (...a: unknown[]) => unknown)(...args); } finally {
          h.hostTime.calls++; h.hostTime.nanos += process.hrtime.bigint() - started;
          const key = name + (DETAIL_ARGS[name] ? ` ${DETAIL_ARGS[name](h, args as number[])}` : "");
          h.hostCallsByName.set(key, (h.hostCallsByName.get(key) ?? 0) + 1);
        }
      }])) as T;
      return { ...this.extraImports, env: timed(env), wasi_snapshot_preview1: timed(wasi) };
    }
    return { ...this.extraImports, env, wasi_snapshot_preview1: wasi };
  }

  /** @internal used by HttpStream */
  forget(id: number): void { this.streams.delete(id); }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** What Envoy did with one direction of a stream after a callback. */
/** paused: nothing reaches the filter (StopAllIteration); held: headers wait, body callbacks run. */
type Phase = "waiting" | "paused" | "held" | "flowing" | "done";

/** One HTTP exchange through the filter: drive it like Envoy, then inspect what went where. */
export class HttpStream {
  requestHeaders: HeaderList = [];
  requestTrailers: HeaderList = [];
  responseHeaders: HeaderList = [];
  responseTrailers: HeaderList = [];
  /** Body data the filter holds (buffered and not yet sent on). */
  requestBuffer: Uint8Array = new Uint8Array(0);
  responseBuffer: Uint8Array = new Uint8Array(0);
  /** What reached the upstream: headers as they were when they left, and all body bytes sent. */
  upstreamHeaders: HeaderList | null = null;
  upstreamBody: Uint8Array = new Uint8Array(0);
  /** What reached the client. */
  downstreamHeaders: HeaderList | null = null;
  downstreamBody: Uint8Array = new Uint8Array(0);
  localResponse: LocalResponse | null = null;
  closed = false;
  readonly properties: Record<string, string>;
  private requestPhase: Phase = "waiting";
  private responsePhase: Phase = "waiting";
  private requestEnded = false;
  private responseEnded = false;

  constructor(private readonly host: HostEmulator, readonly id: number, properties: Record<string, string>) {
    this.properties = { ...properties };
  }

  /** @internal */
  mapFor(type: number): HeaderList | undefined {
    switch (type) {
      case MapType.RequestHeaders: return this.requestHeaders;
      case MapType.RequestTrailers: return this.requestTrailers;
      case MapType.ResponseHeaders: return this.responseHeaders;
      case MapType.ResponseTrailers: return this.responseTrailers;
      default: return undefined;
    }
  }

  /** @internal */
  bufferFor(type: number): Uint8Array | undefined {
    if (type === BufferType.HttpRequestBody) return this.requestBuffer;
    if (type === BufferType.HttpResponseBody) return this.responseBuffer;
    return undefined;
  }

  /** @internal */
  setBuffer(type: number, data: Uint8Array): void {
    if (type === BufferType.HttpRequestBody) this.requestBuffer = data;
    else if (type === BufferType.HttpResponseBody) this.responseBuffer = data;
  }

  /** @internal proxy_continue_stream: release what was paused. */
  resume(type: number): void {
    if (type === 0) this.flushRequest();
    else if (type === 1) this.flushResponse();
  }

  /** Sends request headers (names are lower-cased). Returns the module's action. */
  sendRequestHeaders(headers: Record<string, string> | HeaderList, endOfStream = false): number {
    this.requestHeaders.splice(0, this.requestHeaders.length, ...normalize(headers));
    this.requestEnded = endOfStream;
    // Envoy picks the route when the headers arrive, before any filter runs.
    const authority = this.requestHeaders.find(([name]) => name === ":authority")?.[1];
    if (this.host.routeCluster && this.properties["xds.cluster_name"] === undefined && authority !== undefined) {
      const cluster = this.host.routeCluster(authority);
      if (cluster !== undefined) this.properties["xds.cluster_name"] = cluster;
    }
    const action = this.host.call("proxy_on_request_headers", this.id, this.requestHeaders.length, endOfStream ? 1 : 0);
    if (this.localResponse) return action;
    // Proxy-Wasm hosts treat every stop as StopAllIteration: headers wait, body callbacks do not run.
    const held = action === HeadersAction.StopIteration && this.host.allowOnHeadersStopIteration;
    this.requestPhase = action === HeadersAction.Continue ? "flowing" : held ? "held" : "paused";
    if (this.requestPhase === "flowing") this.upstreamHeaders = this.requestHeaders.map(([k, v]) => [k, v]);
    if (this.requestPhase === "flowing" && endOfStream) this.requestPhase = "done";
    return action;
  }

  /** Sends one request body chunk. Returns the module's action (or -1 when not delivered). */
  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number {
    const data = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    this.requestEnded = endOfStream;
    this.requestBuffer = concat(this.requestBuffer, data);
    if (this.localResponse || this.requestPhase === "paused") return -1; // Envoy buffers, no callback.
    const action = this.host.call("proxy_on_request_body", this.id, this.requestBuffer.length, endOfStream ? 1 : 0);
    if (this.localResponse) return action;
    if (action === DataAction.Continue) this.flushRequest();
    else if (action === DataAction.StopIterationNoBuffer) this.requestBuffer = new Uint8Array(0);
    return action;
  }

  /** Sends request trailers, ending the request. */
  sendRequestTrailers(trailers: Record<string, string> | HeaderList): number {
    this.requestTrailers.splice(0, this.requestTrailers.length, ...normalize(trailers));
    this.requestEnded = true;
    if (this.localResponse || this.requestPhase === "paused") return -1;
    const action = this.host.call("proxy_on_request_trailers", this.id, this.requestTrailers.length);
    if (!this.localResponse && action === 0) this.flushRequest();
    return action;
  }

  /** Sends the whole request: headers, then the body in `chunkSize` pieces. */
  sendRequest(headers: Record<string, string> | HeaderList, body?: string | Uint8Array, chunkSize = 65536): void {
    const bytes = body === undefined ? undefined : typeof body === "string" ? encoder.encode(body) : body;
    this.sendRequestHeaders(headers, bytes === undefined);
    if (bytes === undefined || this.localResponse) return;
    if (bytes.length === 0) { this.sendRequestBody(bytes, true); return; }
    for (let offset = 0; offset < bytes.length && !this.localResponse; offset += chunkSize) {
      this.sendRequestBody(bytes.subarray(offset, offset + chunkSize), offset + chunkSize >= bytes.length);
    }
  }

  /** Sends response headers from the upstream. */
  sendResponseHeaders(headers: Record<string, string> | HeaderList, endOfStream = false): number {
    this.responseHeaders.splice(0, this.responseHeaders.length, ...normalize(headers));
    this.responseEnded = endOfStream;
    const action = this.host.call("proxy_on_response_headers", this.id, this.responseHeaders.length, endOfStream ? 1 : 0);
    // As for requests: with the flag, a stop holds the headers (the filter may still edit them) and body callbacks run.
    const held = action === HeadersAction.StopIteration && this.host.allowOnHeadersStopIteration;
    this.responsePhase = action === HeadersAction.Continue ? "flowing" : held ? "held" : "paused";
    if (this.responsePhase === "flowing") this.downstreamHeaders = this.responseHeaders.map(([k, v]) => [k, v]);
    return action;
  }

  /** Sends one response body chunk from the upstream. */
  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number {
    const data = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    this.responseEnded = endOfStream;
    this.responseBuffer = concat(this.responseBuffer, data);
    if (this.responsePhase === "paused") return -1;
    const action = this.host.call("proxy_on_response_body", this.id, this.responseBuffer.length, endOfStream ? 1 : 0);
    if (action === DataAction.Continue) this.flushResponse();
    else if (action === DataAction.StopIterationNoBuffer) this.responseBuffer = new Uint8Array(0);
    return action;
  }

  /**
   * Sends response trailers, ending the response. A module that does not export
   * proxy_on_response_trailers gets Continue from the host (proxy-wasm-cpp-host's CHECK_HTTP), and
   * Envoy then passes on whatever body the filter had buffered, followed by the trailers.
   */
  sendResponseTrailers(trailers: Record<string, string> | HeaderList): number {
    this.responseTrailers.splice(0, this.responseTrailers.length, ...normalize(trailers));
    this.responseEnded = true;
    if (this.responsePhase === "paused") return -1;
    const action = this.host.call("proxy_on_response_trailers", this.id, this.responseTrailers.length);
    if (action === 0) this.flushResponse();
    return action;
  }

  /** Ends the stream as Envoy does: on_done, on_log, on_delete. */
  complete(): void {
    this.host.call("proxy_on_done", this.id);
    this.host.call("proxy_on_log", this.id);
    this.host.call("proxy_on_delete", this.id);
    this.host.forget(this.id);
  }

  /** A request header as the filter left it (lower-case name), or undefined. */
  requestHeader(name: string): string | undefined {
    return this.requestHeaders.find(([k]) => k === name.toLowerCase())?.[1];
  }

  /** A response header as the filter left it, or undefined. */
  responseHeader(name: string): string | undefined {
    return this.responseHeaders.find(([k]) => k === name.toLowerCase())?.[1];
  }

  /** The request body that went upstream, as text. */
  upstreamBodyText(): string { return decoder.decode(this.upstreamBody); }

  /** The response body that reached the client, as text. */
  downstreamBodyText(): string { return decoder.decode(this.downstreamBody); }

  private flushRequest(): void {
    if (!this.upstreamHeaders) this.upstreamHeaders = this.requestHeaders.map(([k, v]) => [k, v]);
    this.upstreamBody = concat(this.upstreamBody, this.requestBuffer);
    this.requestBuffer = new Uint8Array(0);
    this.requestPhase = this.requestEnded ? "done" : "flowing";
  }

  private flushResponse(): void {
    if (!this.downstreamHeaders) this.downstreamHeaders = this.responseHeaders.map(([k, v]) => [k, v]);
    this.downstreamBody = concat(this.downstreamBody, this.responseBuffer);
    this.responseBuffer = new Uint8Array(0);
    this.responsePhase = this.responseEnded ? "done" : "flowing";
  }
}

function normalize(headers: Record<string, string> | HeaderList): HeaderList {
  const list = Array.isArray(headers) ? headers : Object.entries(headers);
  return list.map(([k, v]) => [k.toLowerCase(), v]);
}

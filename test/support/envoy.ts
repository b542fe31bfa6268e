// Starts real Envoy with the built module in front of the mock providers, and sends requests.
import { Agent, request } from "node:http";
import { bootstrapYaml, BootstrapOptions } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import type { MockProviderConfig } from "../../src-host-tools/mock/provider-config.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { WASM_PATH } from "./filter.js";

export interface Stack { envoy: RunningEnvoy; mock: MockProviders; stop(): Promise<void> }

export interface StackOptions {
  env?: BootstrapOptions["env"];
  /** Environment of the Envoy process itself (for host_env_keys). */
  processEnv?: Record<string, string>;
  /** Keys each mock provider accepts, by provider name. */
  acceptedKeys?: Record<string, string[]>;
  /** The filter's request mode (the bootstrap sets Envoy's flag to match); default body. */
  requestMode?: "body" | "headers";
  /** Write JSON access-log lines here (flushed every 200 ms). */
  accessLogPath?: string;
}

export async function startStack(pluginConfig: BootstrapOptions["pluginConfig"], options: StackOptions = {}): Promise<Stack> {
  const envoyBinary = locateEnvoy();
  const mockConfigs: MockProviderConfig[] = pluginConfig.providers.map((p) => ({ ...p, acceptedKeys: options.acceptedKeys?.[p.name] }));
  const mock = await startMockProviders(mockConfigs);
  const config = bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig, env: options.env, mockUpstream: { address: "127.0.0.1", port: mock.port }, requestMode: options.requestMode, accessLogPath: options.accessLogPath });
  try {
    const envoy = await startEnvoy({ envoyPath: envoyBinary.path, config, env: options.processEnv, ...(options.accessLogPath ? { fileFlushIntervalMs: 200 } : {}) });
    return { envoy, mock, stop: async () => { await envoy.stop(); await mock.close(); } };
  } catch (error) {
    await mock.close();
    throw error;
  }
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string; json<T = any>(): T }

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** Sends one request with an explicit Host (fetch forbids setting it). */
export function send(baseUrl: string, options: { host: string; path?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean; agent?: Agent }): Promise<Reply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: options.host, "content-type": "application/json", ...(options.headers ?? {}) };
    if (options.body !== undefined && !options.chunked) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = request({ host: url.hostname, port: url.port, method: options.method ?? "POST", path: options.path ?? "/v1/chat/completions", headers, agent: options.agent ?? agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (options.body !== undefined && options.chunked) {
      // Several writes without content-length: Envoy sees a chunked body arrive in pieces.
      const data = Buffer.from(options.body);
      for (let i = 0; i < data.length; i += 16384) req.write(data.subarray(i, i + 16384));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** Runs `count` calls of `fn` with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  }));
  return results;
}

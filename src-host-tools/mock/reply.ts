// What the mock providers share: sending JSON, the scripted answer every API gives (text, or calls
// to the offered tools), and how a request's tools and images are seen.
import type { ServerResponse } from "node:http";

export function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): number {
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
  return status;
}

/** A tool the client offered: its name and the arguments the mock "model" calls it with. */
export interface ScriptedCall { id: string; name: string; args: Record<string, unknown> }

/** Arguments for a JSON schema: each required string property gets "<name>-value"; others are left out. */
export function argumentsFor(schema: unknown): Record<string, unknown> {
  const s = (schema ?? {}) as { properties?: Record<string, { type?: string }>; required?: string[] };
  const args: Record<string, unknown> = {};
  // Gemini's OpenAPI subset names types in upper case (STRING); JSON Schema in lower case.
  for (const name of s.required ?? []) if (String(s.properties?.[name]?.type).toLowerCase() === "string") args[name] = `${name}-value`;
  return args;
}

/**
 * The mock model's answer: when tools are offered and the conversation does not end in tool
 * results, it calls them (all of them, in parallel, unless told one at a time); otherwise it says
 * hello and reports what it saw (tool results, images), so tests can check those arrived.
 */
export interface Script { text: string; calls: ScriptedCall[] }

export function script(provider: string, model: string, tools: { name: string; schema: unknown }[], endsInToolResults: boolean, parallel: boolean,
  seen: { toolResults: number; images: number }): Script {
  if (tools.length > 0 && !endsInToolResults) {
    const chosen = parallel ? tools : tools.slice(0, 1);
    return { text: "", calls: chosen.map((t, i) => ({ id: `call_mock_${i + 1}`, name: t.name, args: argumentsFor(t.schema) })) };
  }
  const extras = [seen.toolResults ? `${seen.toolResults} tool results` : "", seen.images ? `${seen.images} images` : ""].filter(Boolean);
  return { text: `Hello from mock ${provider} (${model}).${extras.length ? ` Seen: ${extras.join(", ")}.` : ""}`, calls: [] };
}

/** Splits text into word-sized stream deltas. */
export function words(text: string): string[] {
  return text.split(/(?= )/);
}

/** Splits a JSON text in two, as providers stream tool arguments in pieces. */
export function halves(text: string): string[] {
  const mid = Math.ceil(text.length / 2);
  return text.length < 2 ? [text] : [text.slice(0, mid), text.slice(mid)];
}

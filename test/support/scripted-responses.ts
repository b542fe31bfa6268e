// The turn the mock's Responses API does not play: a shell call. When a Responses request offers
// Codex's `exec_command` tool and its input does not end in that call's output, the answer is an
// event stream holding one `exec_command` call (`echo hi`); every other request goes on to the mock.
import type { ServerResponse } from "node:http";

/** The command the scripted model asks Codex to run, and what its output must contain. */
export const SHELL_COMMAND = { cmd: "echo hi", output: "hi" };

/** True when this request's answer is the scripted shell call. */
export function wantsShellCall(path: string, body: any): boolean {
  if (!path.endsWith("/responses") || !Array.isArray(body?.tools) || !Array.isArray(body?.input)) return false;
  if (!body.tools.some((t: any) => t?.type === "function" && t.name === "exec_command")) return false;
  return body.input.at(-1)?.type !== "function_call_output";
}

/** Streams a Responses answer whose one output item is the `exec_command` call. */
export function streamShellCall(res: ServerResponse, model: string): void {
  const id = `resp_scripted${Math.random().toString(36).slice(2, 10)}`;
  const args = JSON.stringify({ cmd: SHELL_COMMAND.cmd });
  const call = { type: "function_call", id: `fc_${id}`, call_id: `call_${id}`, name: "exec_command", arguments: args, status: "completed" };
  const usage = { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 };
  const response = (status: string, output: unknown[]) => ({ id, object: "response", created_at: Math.floor(Date.now() / 1000), status, model, output, usage: status === "completed" ? usage : null });
  res.writeHead(200, { "content-type": "text/event-stream" });
  let sequence_number = 0;
  const send = (type: string, fields: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence_number++, ...fields })}\n\n`);
  send("response.created", { response: response("in_progress", []) });
  send("response.output_item.added", { output_index: 0, item: { ...call, arguments: "", status: "in_progress" } });
  send("response.function_call_arguments.delta", { item_id: call.id, output_index: 0, delta: args });
  send("response.function_call_arguments.done", { item_id: call.id, output_index: 0, arguments: args });
  send("response.output_item.done", { output_index: 0, item: call });
  send("response.completed", { response: response("completed", [call]) });
  res.end();
}

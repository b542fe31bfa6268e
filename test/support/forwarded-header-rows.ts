// Client metadata headers the agents and official SDKs send, shared by the emulator and real-Envoy tests.
/** What Claude Code, Codex and the official SDKs send beside the request itself. */
export const CLIENT_METADATA: Record<string, string> = {
  "x-claude-code-session-id": "6f1e-session", "x-stainless-lang": "js", "x-stainless-package-version": "0.60.0",
  "x-stainless-os": "Linux", "x-stainless-arch": "x64", "x-stainless-runtime": "node", "x-stainless-runtime-version": "v22.1.0",
  "x-stainless-retry-count": "0", "x-stainless-timeout": "600", "x-stainless-helper-method": "stream", "x-stainless-async": "false",
  "x-codex-turn-metadata": "{\"installation_id\":\"abc\"}", "x-app": "cli", "anthropic-dangerous-direct-browser-access": "true",
  originator: "codex_cli_rs", session_id: "s-1", conversation_id: "c-1", "chatgpt-account-id": "acct-1", "user-agent": "claude-cli/2.0 (external, cli)",
  "anthropic-beta": "interleaved-thinking-2025-05-14", "x-my-header": "mine", "x-forwarded-client-cert": "By=spiffe://cluster.local/ns/a/sa/b",
};
export const AGENT_IDS = ["x-claude-code-session-id", "x-codex-turn-metadata", "session_id", "conversation_id", "chatgpt-account-id"];

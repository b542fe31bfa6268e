// Conversation turns for APIs that want roles to alternate (Anthropic, Gemini, Bedrock Converse):
// consecutive messages of one role become one turn, as tool results must share the turn after
// the calls they answer. Blocks are written as they come; a turn is closed when the role changes.
// MessageWriter walks a chat request's messages by role for the three translators that write turns.
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { arrayAt, member, stringAt } from "../json/members";

/** Writes one OpenAI content part as a backend's block; a problem message when it cannot. */
export type PartWriter = (part: JsonValue, out: JsonWriter, path: string) => string | null;

/**
 * An OpenAI user message (a string, or parts) as blocks of a user turn, for backends whose text
 * block is {"text": …} (Gemini, Bedrock); `writePart` writes the backend's own blocks.
 */
export function writeUserTurn(m: JsonValue, path: string, turns: TurnWriter, writePart: PartWriter): string | null {
  const content = member(m, "content");
  if (content !== null && content.kind == JsonKind.String) {
    if (content.text.length > 0) turns.block("user").object().key("text").string(content.text).endObject();
    return null;
  }
  if (content === null || content.kind != JsonKind.Array) return path + ".content: must be a string or an array of parts";
  for (let i = 0; i < content.items.length; i++) {
    const problem = writePart(content.items[i], turns.block("user"), path + ".content[" + i.toString() + "]");
    if (problem !== null) return problem;
  }
  return null;
}

export class TurnWriter {
  private out: JsonWriter = new JsonWriter(1024);
  private blocks: JsonWriter = new JsonWriter(512);
  private role: string = "";
  private blockCount: i32 = 0;
  /** Turns written so far. */
  count: i32 = 0;

  /** `contentKey`: the member a turn's blocks go in ("content", or Gemini's "parts"). */
  constructor(private contentKey: string) { this.out.array(); this.blocks.array(); }

  /** The writer for the next block of a `role` turn. */
  block(role: string): JsonWriter {
    if (role != this.role) this.flush();
    this.role = role;
    this.blockCount++;
    return this.blocks;
  }

  private flush(): void {
    if (this.blockCount == 0) return;
    this.blocks.endArray();
    this.out.object().key("role").string(this.role).key(this.contentKey).rawBytes(this.blocks.toBuffer()).endObject();
    this.count++;
    this.blocks.reset();
    this.blocks.array();
    this.blockCount = 0;
  }

  /** The turns as a JSON array. */
  finish(): ArrayBuffer {
    this.flush();
    this.out.endArray();
    return this.out.toBuffer();
  }
}

/**
 * A chat request's messages as a backend's turns and system blocks: write() hands each message to
 * its role's writer (system and developer are one), in order; each backend writes its own blocks.
 */
export abstract class MessageWriter {
  /** The system blocks, a JSON array once write() is done; `systemCount` of them. */
  systemBlocks: JsonWriter = new JsonWriter(256);
  systemCount: i32 = 0;
  turns: TurnWriter;
  /** The turns as a JSON array, once write() is done. */
  turnBytes: ArrayBuffer = new ArrayBuffer(0);
  /** The request's messages array, once write() has read it. */
  messages: JsonValue | null = null;

  /** `contentKey`: the member a turn's blocks go in (see TurnWriter). */
  constructor(contentKey: string) {
    this.turns = new TurnWriter(contentKey);
    this.systemBlocks.array();
  }

  /** Each writes one message of its role; a problem message, or null. */
  abstract system(m: JsonValue, path: string): string | null;
  abstract user(m: JsonValue, path: string): string | null;
  abstract assistant(m: JsonValue, path: string): string | null;
  abstract tool(m: JsonValue, path: string): string | null;

  /**
   * The request's messages: the first problem, or null. `backend` names the backend in a refusal
   * ("a Gemini backend"); `roleHint` follows the refusal of a role it does not take.
   */
  write(body: JsonValue, backend: string, roleHint: string = ""): string | null {
    const messages = arrayAt(body, "messages");
    if (messages === null) return "messages: is required and must be an array";
    this.messages = messages;
    for (let i = 0; i < messages.items.length; i++) {
      const m = messages.items[i];
      const path = "messages[" + i.toString() + "]";
      const role = stringAt(m, "role");
      let problem: string | null = null;
      if (role === null) problem = path + ".role: is required";
      else if (role! == "system" || role! == "developer") problem = this.system(m, path);
      else if (role! == "user") problem = this.user(m, path);
      else if (role! == "assistant") problem = this.assistant(m, path);
      else if (role! == "tool") problem = this.tool(m, path);
      else problem = path + ".role: \"" + role! + "\" is not supported by " + backend + roleHint;
      if (problem !== null) return problem;
    }
    this.systemBlocks.endArray();
    this.turnBytes = this.turns.finish();
    if (this.turns.count == 0) return "messages: must hold at least one user or assistant message for " + backend;
    return null;
  }
}

// Conversation turns for APIs that want roles to alternate (Anthropic, Gemini, Bedrock Converse):
// consecutive messages of one role become one turn, as tool results must share the turn after
// the calls they answer. Blocks are written as they come; a turn is closed when the role changes.
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { member } from "../json/members";

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

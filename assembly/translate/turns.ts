// Conversation turns for APIs that want roles to alternate (Anthropic, Gemini, Bedrock Converse):
// consecutive messages of one role become one turn, as tool results must share the turn after
// the calls they answer. Blocks are written as they come; a turn is closed when the role changes.
import { JsonWriter } from "../json/writer";

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

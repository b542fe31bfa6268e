// AWS's binary event stream (application/vnd.amazon.eventstream, as Bedrock's ConverseStream
// answers): each message is a 12-byte prelude (total length, headers length, CRC32 of the two),
// headers, a payload and a CRC32 of everything before it. Messages split at any byte across body
// callbacks are reassembled here and handed to translators as SseEvents named by their
// :event-type (exceptions as "exception:" + :exception-type), the payload as data.
// https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html describes the framing.
import { SseEvent, StreamDecoder } from "./sse";
import { ByteWindow } from "./byte-window";

/** A message larger than this breaks the stream rather than being buffered without end. */
const MAX_MESSAGE_BYTES: u32 = 1 << 20;

// @ts-ignore: decorator
@lazy const CRC_TABLE: StaticArray<u32> = crcTable();

function crcTable(): StaticArray<u32> {
  const table = new StaticArray<u32>(256);
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
}

/** CRC32 (IEEE 802.3) of `length` bytes at `ptr`. */
export function crc32(ptr: usize, length: i32): u32 {
  let c: u32 = 0xffffffff;
  for (let i = 0; i < length; i++) c = unchecked(CRC_TABLE[(c ^ <u32>load<u8>(ptr + <usize>i)) & 0xff]) ^ (c >>> 8);
  return c ^ 0xffffffff;
}

function u32be(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
function u16be(p: usize): i32 { return <i32>bswap<u16>(load<u16>(p)); }

/** Bytes each header value type takes after its type byte (-1: a u16 length, then that many bytes). */
function valueSize(type: i32): i32 {
  if (type == 0 || type == 1) return 0;
  if (type == 2) return 1;
  if (type == 3) return 2;
  if (type == 4) return 4;
  if (type == 5 || type == 8) return 8;
  if (type == 9) return 16;
  if (type == 6 || type == 7) return -1;
  return -2;
}

export class EventStreamDecoder extends StreamDecoder {
  /** The unfinished message: bytes held from earlier chunks, grown by doubling (never re-copied per chunk). */
  private held: ByteWindow = new ByteWindow();

  push(chunk: ArrayBuffer, last: bool, out: Array<SseEvent>): void {
    if (this.broken) return;
    const held = this.held;
    held.compact();
    let data = chunk;
    let length = chunk.byteLength;
    if (held.length > 0) {
      held.append(changetype<usize>(chunk), chunk.byteLength);
      data = held.buffer;
      length = held.length;
    }
    const base = changetype<usize>(data);
    let at = 0;
    while (length - at >= 12) {
      const p = base + <usize>at;
      const total = u32be(p);
      const headersLength = u32be(p + 4);
      if (total < 16 || headersLength > total - 16 || crc32(p, 8) != u32be(p + 8)) return this.fail("sent an event-stream frame that fails its checks");
      if (total > MAX_MESSAGE_BYTES) return this.fail("sent an event-stream message larger than llm-mesh reads (" + (MAX_MESSAGE_BYTES >> 10).toString() + " KiB)");
      if (<u32>(length - at) < total) break;
      if (crc32(p, <i32>total - 4) != u32be(p + <usize>total - 4)) return this.fail("sent an event-stream message whose checksum is wrong");
      if (!this.message(data, at, <i32>total, <i32>headersLength, out)) return this.fail("sent an event-stream message with malformed headers");
      at += <i32>total;
    }
    // A stream that ends inside a message lost that message: it is broken.
    if (last && at < length) return this.fail("ended the stream inside an event-stream message");
    if (data == chunk) held.append(changetype<usize>(chunk) + <usize>at, length - at);
    else held.markDone(at);
  }

  private fail(why: string): void {
    this.broken = true;
    this.brokenBecause = why;
    this.held.clear();
  }

  /** One checked message: its headers name the event; false when they are malformed. */
  private message(holder: ArrayBuffer, at: i32, total: i32, headersLength: i32, out: Array<SseEvent>): bool {
    const base = changetype<usize>(holder) + <usize>at;
    let h = 12;
    const end = 12 + headersLength;
    let messageType = "";
    let eventType = "";
    let exceptionType = "";
    while (h < end) {
      const nameLength = <i32>load<u8>(base + <usize>h);
      if (h + 1 + nameLength + 1 > end) return false;
      const name = String.UTF8.decodeUnsafe(base + <usize>(h + 1), <usize>nameLength);
      h += 1 + nameLength;
      const type = <i32>load<u8>(base + <usize>h);
      h++;
      let size = valueSize(type);
      if (size == -2) return false;
      let valueAt = h;
      if (size == -1) {
        if (h + 2 > end) return false;
        size = u16be(base + <usize>h);
        valueAt = h + 2;
      }
      if (valueAt + size > end) return false;
      if (type == 7) {
        const value = String.UTF8.decodeUnsafe(base + <usize>valueAt, <usize>size);
        if (name == ":message-type") messageType = value;
        else if (name == ":event-type") eventType = value;
        else if (name == ":exception-type") exceptionType = value;
      }
      h = valueAt + size;
    }
    const payloadAt = at + end;
    const payloadLength = total - end - 4;
    if (messageType == "event") out.push(new SseEvent(eventType, holder, payloadAt, payloadLength));
    else if (messageType == "exception" || messageType == "error") out.push(new SseEvent("exception:" + (exceptionType.length > 0 ? exceptionType : "error"), holder, payloadAt, payloadLength));
    return true;
  }
}

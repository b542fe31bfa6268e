// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for AWS Signature Version 4, in the VM: Envoy's
// Proxy-Wasm ABI offers no crypto. Checked against NIST's vectors, RFC 4231 and node:crypto on
// random inputs (test/unit/crypto.test.ts).

// The round constants and the message schedule live in static memory: plain loads and stores,
// no object fields or bounds checks in the 64-round loop.
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W: usize = memory.data(256);

/** An incremental SHA-256: update() any number of times, then digest() once. */
export class Sha256 {
  private h: StaticArray<u32> = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  private block: StaticArray<u8> = new StaticArray<u8>(64);
  private filled: i32 = 0;
  private total: u64 = 0;

  update(ptr: usize, length: i32): Sha256 {
    this.total += <u64>length;
    let i = 0;
    const block = changetype<usize>(this.block);
    if (this.filled > 0) {
      const take = min(64 - this.filled, length);
      memory.copy(block + <usize>this.filled, ptr, <usize>take);
      this.filled += take;
      i = take;
      if (this.filled < 64) return this;
      this.compress(block);
      this.filled = 0;
    }
    while (length - i >= 64) {
      this.compress(ptr + <usize>i);
      i += 64;
    }
    if (i < length) {
      memory.copy(block, ptr + <usize>i, <usize>(length - i));
      this.filled = length - i;
    }
    return this;
  }

  updateBuffer(data: ArrayBuffer): Sha256 { return this.update(changetype<usize>(data), data.byteLength); }

  /** Hashes an ASCII string's bytes without encoding it first (no allocation): SigV4's canonical texts. */
  updateAscii(text: string): Sha256 {
    const n = text.length;
    this.total += <u64>n;
    const block = changetype<usize>(this.block);
    const src = changetype<usize>(text);
    for (let i = 0; i < n; i++) {
      store<u8>(block + <usize>this.filled, <u8>load<u16>(src + (<usize>i << 1)));
      if (++this.filled == 64) { this.compress(block); this.filled = 0; }
    }
    return this;
  }

  updateString(text: string): Sha256 { return this.updateBuffer(String.UTF8.encode(text)); }

  /** The 32-byte digest. */
  digest(): ArrayBuffer {
    const block = changetype<usize>(this.block);
    const bits = this.total << 3;
    store<u8>(block + <usize>this.filled, 0x80);
    this.filled++;
    if (this.filled > 56) {
      memory.fill(block + <usize>this.filled, 0, <usize>(64 - this.filled));
      this.compress(block);
      this.filled = 0;
    }
    memory.fill(block + <usize>this.filled, 0, <usize>(56 - this.filled));
    store<u64>(block + 56, bswap<u64>(bits));
    this.compress(block);
    const out = new ArrayBuffer(32);
    for (let i = 0; i < 8; i++) store<u32>(changetype<usize>(out) + <usize>(i << 2), bswap<u32>(this.h[i]));
    return out;
  }

  private compress(p: usize): void {
    for (let t: usize = 0; t < 64; t += 4) store<u32>(W + t, bswap<u32>(load<u32>(p + t)));
    for (let t: usize = 64; t < 256; t += 4) {
      const w15 = load<u32>(W + t - 60);
      const w2 = load<u32>(W + t - 8);
      const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
      store<u32>(W + t, load<u32>(W + t - 64) + s0 + load<u32>(W + t - 28) + s1);
    }
    const h = changetype<usize>(this.h);
    let a = load<u32>(h), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12);
    let e = load<u32>(h, 16), f = load<u32>(h, 20), g = load<u32>(h, 24), k = load<u32>(h, 28);
    for (let t: usize = 0; t < 256; t += 4) {
      const s1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = k + s1 + ch + load<u32>(K + t) + load<u32>(W + t);
      const s0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = s0 + maj;
      k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    store<u32>(h, load<u32>(h) + a); store<u32>(h, load<u32>(h, 4) + b, 4); store<u32>(h, load<u32>(h, 8) + c, 8); store<u32>(h, load<u32>(h, 12) + d, 12);
    store<u32>(h, load<u32>(h, 16) + e, 16); store<u32>(h, load<u32>(h, 20) + f, 20); store<u32>(h, load<u32>(h, 24) + g, 24); store<u32>(h, load<u32>(h, 28) + k, 28);
  }
}

/** SHA-256 of `length` bytes at `ptr`. */
export function sha256(ptr: usize, length: i32): ArrayBuffer {
  return new Sha256().update(ptr, length).digest();
}

/** HMAC-SHA256 of `length` bytes at `ptr` under `key`. */
export function hmacSha256(key: ArrayBuffer, ptr: usize, length: i32): ArrayBuffer {
  let k = key;
  if (k.byteLength > 64) k = sha256(changetype<usize>(k), k.byteLength);
  const pad = new ArrayBuffer(64);
  const p = changetype<usize>(pad);
  memory.copy(p, changetype<usize>(k), <usize>k.byteLength);
  for (let i = 0; i < 64; i++) store<u8>(p + <usize>i, load<u8>(p + <usize>i) ^ 0x36);
  const inner = new Sha256().update(p, 64).update(ptr, length).digest();
  for (let i = 0; i < 64; i++) store<u8>(p + <usize>i, load<u8>(p + <usize>i) ^ (0x36 ^ 0x5c));
  return new Sha256().update(p, 64).update(changetype<usize>(inner), 32).digest();
}

/** HMAC-SHA256 of a string's UTF-8 bytes. */
export function hmacSha256String(key: ArrayBuffer, text: string): ArrayBuffer {
  const data = String.UTF8.encode(text);
  return hmacSha256(key, changetype<usize>(data), data.byteLength);
}

const PAD: usize = memory.data(64);

/** HMAC-SHA256 of an ASCII string under a key of at most 64 bytes (SigV4's derived keys), without allocating the text. */
export function hmacSha256Ascii(key: ArrayBuffer, text: string): ArrayBuffer {
  memory.fill(PAD, 0, 64);
  memory.copy(PAD, changetype<usize>(key), <usize>min(key.byteLength, 64));
  for (let i: usize = 0; i < 64; i++) store<u8>(PAD + i, load<u8>(PAD + i) ^ 0x36);
  const inner = new Sha256().update(PAD, 64).updateAscii(text).digest();
  for (let i: usize = 0; i < 64; i++) store<u8>(PAD + i, load<u8>(PAD + i) ^ (0x36 ^ 0x5c));
  return new Sha256().update(PAD, 64).update(changetype<usize>(inner), 32).digest();
}

const HEX_DIGITS = "0123456789abcdef";

/** Lower-case hex of a buffer. */
export function toHex(data: ArrayBuffer): string {
  const n = data.byteLength;
  const chars = new ArrayBuffer(n << 2);
  const out = changetype<usize>(chars);
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(changetype<usize>(data) + <usize>i);
    store<u16>(out + <usize>(i << 2), <u16>HEX_DIGITS.charCodeAt(b >> 4));
    store<u16>(out + <usize>(i << 2) + 2, <u16>HEX_DIGITS.charCodeAt(b & 15));
  }
  return String.UTF16.decodeUnsafe(out, <usize>(n << 2));
}

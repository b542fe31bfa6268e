// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for AWS Signature Version 4, in the VM: Envoy's
// Proxy-Wasm ABI offers no crypto. Checked against NIST's vectors, RFC 4231 and node:crypto on
// random inputs (test/unit/crypto.test.ts).

// @ts-ignore: decorator
@lazy const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** An incremental SHA-256: update() any number of times, then digest() once. */
export class Sha256 {
  private h: StaticArray<u32> = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  private block: StaticArray<u8> = new StaticArray<u8>(64);
  private w: StaticArray<u32> = new StaticArray<u32>(64);
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
    const w = this.w;
    for (let t = 0; t < 16; t++) unchecked(w[t] = bswap<u32>(load<u32>(p + <usize>(t << 2))));
    for (let t = 16; t < 64; t++) {
      const w15 = unchecked(w[t - 15]);
      const w2 = unchecked(w[t - 2]);
      const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
      unchecked(w[t] = unchecked(w[t - 16]) + s0 + unchecked(w[t - 7]) + s1);
    }
    const h = this.h;
    let a = unchecked(h[0]), b = unchecked(h[1]), c = unchecked(h[2]), d = unchecked(h[3]);
    let e = unchecked(h[4]), f = unchecked(h[5]), g = unchecked(h[6]), k = unchecked(h[7]);
    for (let t = 0; t < 64; t++) {
      const s1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = k + s1 + ch + unchecked(K[t]) + unchecked(w[t]);
      const s0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = s0 + maj;
      k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    unchecked(h[0] = h[0] + a); unchecked(h[1] = h[1] + b); unchecked(h[2] = h[2] + c); unchecked(h[3] = h[3] + d);
    unchecked(h[4] = h[4] + e); unchecked(h[5] = h[5] + f); unchecked(h[6] = h[6] + g); unchecked(h[7] = h[7] + k);
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

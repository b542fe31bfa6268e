// The filter's crypto for AWS Signature Version 4 (assembly/crypto/), compiled into a test module:
// SHA-256 against NIST's vectors, HMAC-SHA256 against RFC 4231, both against node:crypto on random
// inputs; the SigV4 signer against AWS's documented example and, on random requests, against the
// AWS SDK's own signer (@smithy/signature-v4), an independent implementation.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ASUtil, instantiate } from "@assemblyscript/loader";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { rng } from "../support/random.js";

const CRYPTO_WASM = join(PROJECT_ROOT, "build", "crypto-test.wasm");

type CryptoExports = {
  sha256Hex(data: number): number;
  sha256HexPieces(data: number, piece: number): number;
  hmacHex(key: number, data: number): number;
  formatAmzDate(epochSeconds: number): number;
  encodeUri(text: number, encodeSlash: number): number;
  authorization(...args: number[]): number;
};

let wasm: ASUtil & CryptoExports;

beforeAll(async () => {
  const asc = (await import("assemblyscript/asc")).default;
  const { error, stderr } = await asc.main(["assembly/test-crypto/index.ts", "--config", join(PROJECT_ROOT, "asconfig.json"), "--target", "release", "--exportRuntime", "-o", CRYPTO_WASM]);
  if (error) throw new Error(`crypto test module did not build: ${error.message}\n${stderr.toString()}`);
  const imports = {
    env: { proxy_log: () => 0 },
    wasi_snapshot_preview1: { proc_exit: (code: number) => { throw new Error(`proc_exit(${code})`); } },
  };
  wasm = (await instantiate<CryptoExports>(readFileSync(CRYPTO_WASM), imports as unknown as Parameters<typeof instantiate>[1])).exports as ASUtil & CryptoExports;
}, 120_000);

/** Calls an export with strings and byte buffers passed in, the returned string read out. */
function call(name: keyof CryptoExports, ...args: (string | Uint8Array | number | boolean)[]): string {
  const pinned: number[] = [];
  const raw = args.map((a) => {
    if (typeof a === "number") return a;
    if (typeof a === "boolean") return a ? 1 : 0;
    const ptr = typeof a === "string" ? wasm.__newString(a) : wasm.__newArrayBuffer(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer);
    pinned.push(wasm.__pin(ptr));
    return ptr;
  });
  try {
    return wasm.__getString((wasm[name] as (...n: number[]) => number)(...raw));
  } finally {
    for (const p of pinned) wasm.__unpin(p);
  }
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe("SHA-256 and HMAC-SHA256 in the VM", () => {
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
    ["a".repeat(1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
  ])("NIST vector %#", (input, digest) => {
    expect(call("sha256Hex", bytes(input))).toBe(digest);
  });

  it.each([
    ["0b".repeat(20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    [Buffer.from("Jefe").toString("hex"), "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
    ["aa".repeat(131), "Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
  ])("RFC 4231 HMAC vector %#", (keyHex, data, mac) => {
    expect(call("hmacHex", Buffer.from(keyHex, "hex"), bytes(data))).toBe(mac);
  });

  it("agrees with node:crypto on 500 random inputs, whole and fed in pieces", () => {
    const random = rng(0x5a256);
    for (let i = 0; i < 500; i++) {
      const data = randomBytes(Math.floor(random() * 300));
      const key = randomBytes(Math.floor(random() * 100));
      const expected = createHash("sha256").update(data).digest("hex");
      expect(call("sha256Hex", data)).toBe(expected);
      expect(call("sha256HexPieces", data, 1 + Math.floor(random() * 70))).toBe(expected);
      expect(call("hmacHex", key, data)).toBe(createHmac("sha256", key).update(data).digest("hex"));
    }
  });
});

describe("AWS Signature Version 4 in the VM", () => {
  it("formats x-amz-date for any instant", () => {
    const random = rng(0xda7e);
    for (const seconds of [0, 951782400, 1440938160, 4102444799, ...Array.from({ length: 200 }, () => Math.floor(random() * 4102444800))]) {
      const expected = new Date(seconds * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      expect(call("formatAmzDate", seconds)).toBe(expected);
    }
  });

  it("URI-encodes as AWS does (RFC 3986 unreserved kept, '/' optional)", () => {
    const aws = (s: string, slash: boolean) => [...Buffer.from(s)].map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) || (c === "/" && !slash) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    }).join("");
    for (const s of ["anthropic.claude-3-5-sonnet-20240620-v1:0", "/model/a b/c", "é✓*()!'", "%41", ""]) {
      expect(call("encodeUri", s, true)).toBe(aws(s, true));
      expect(call("encodeUri", s, false)).toBe(aws(s, false));
    }
  });

  it("reproduces AWS's documented example (IAM ListUsers, 20150830T123600Z)", () => {
    const auth = call("authorization", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "iam", "GET", "/", "Action=ListUsers&Version=2010-05-08",
      "content-type\nhost\nx-amz-date", "application/x-www-form-urlencoded; charset=utf-8\niam.amazonaws.com\n20150830T123600Z",
      createHash("sha256").update("").digest("hex"), "20150830T123600Z");
    expect(auth).toBe("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  });

  it("reproduces the AWS SigV4 test suite's get-vanilla vector (aws-sig-v4-test-suite, 20150830T123600Z)", () => {
    const auth = call("authorization", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service", "GET", "/", "",
      "host\nx-amz-date", "example.amazonaws.com\n20150830T123600Z", createHash("sha256").update("").digest("hex"), "20150830T123600Z");
    expect(auth).toBe("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  });

  it("agrees with the AWS SDK's signer on 100 random Bedrock requests", async () => {
    const random = rng(0x516e4);
    for (let i = 0; i < 100; i++) {
      const region = ["us-east-1", "eu-west-3", "ap-southeast-2"][i % 3];
      const model = ["anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon.nova-pro-v1:0", "meta.llama3-70b-instruct-v1:0"][i % 3];
      const credentials = { accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(30).toString("base64") };
      const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: randomBytes(Math.floor(random() * 200)).toString("base64") }] }] });
      const seconds = 1_700_000_000 + Math.floor(random() * 100_000_000);
      const host = `bedrock-runtime.${region}.amazonaws.com`;
      const path = `/model/${encodeURIComponent(model)}/converse${i % 2 ? "-stream" : ""}`;
      const date = new Date(seconds * 1000);
      const signer = new SignatureV4({ credentials, region, service: "bedrock", sha256: Sha256 });
      const signed = await signer.sign({ method: "POST", protocol: "https:", hostname: host, path, headers: { host, "content-type": "application/json" }, body }, { signingDate: date });
      const amz = signed.headers["x-amz-date"];
      const payloadHash = createHash("sha256").update(body).digest("hex");
      // The SDK double-encodes the path for the canonical request (every service but S3): so do we.
      const canonicalUri = call("encodeUri", path, false);
      const names = Object.keys(signed.headers).map((n) => n.toLowerCase()).filter((n) => n !== "authorization").sort();
      const values = names.map((n) => signed.headers[Object.keys(signed.headers).find((k) => k.toLowerCase() === n)!]);
      const ours = call("authorization", credentials.accessKeyId, credentials.secretAccessKey, region, "bedrock", "POST", canonicalUri, "", names.join("\n"), values.join("\n"), payloadHash, amz);
      expect(ours, `request ${i}`).toBe(signed.headers.authorization);
    }
  });
});

// A consumer's gateway key: 32 random bytes, of which the config stores only an id, a random salt
// and SHA-256(salt ‖ secret), what the filter checks a presented key against. A key this random
// needs no slow hash: there is nothing to guess from its digest.
import { createHash, randomBytes } from "node:crypto";

/** A new key: its text (llmm_<id>_<secret>) and what the config stores of it. */
export function newKey(): { key: string; stored: { id: string; salt: string; sha256: string } } {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16);
  const sha256 = createHash("sha256").update(salt).update(secret, "utf8").digest("hex");
  return { key: `llmm_${id}_${secret}`, stored: { id, salt: salt.toString("hex"), sha256 } };
}

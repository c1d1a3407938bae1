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
const OPEN_BRACKET = 0x5b;

// The only characters that matter inside a container: quotes and brackets.
const STRUCTURAL = /["{}[\]]/g;
// A scalar (number, true, false, null) ends at one of these.
const SCALAR_END = /[\s,}\]]/g;

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
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    STRUCTURAL.lastIndex = at;
    for (let match = STRUCTURAL.exec(text); match !== null; match = STRUCTURAL.exec(text)) {
      const char = match[0];
      if (char === '"') {
        STRUCTURAL.lastIndex = skipString(text, match.index);
      } else if (char === "{" || char === "[") {
        depth++;
      } else {
        depth--;
        if (depth === 0) return match.index + 1;
      }
    }
    return text.length;
  }
  SCALAR_END.lastIndex = at;
  const end = SCALAR_END.exec(text);
  return end === null ? text.length : end.index;
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

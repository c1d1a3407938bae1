/**
 * The `form` payload format (DESIGN §5): a JSON payload sent as `application/x-www-form-urlencoded`, for
 * receivers that only read form posts (PHP's `$_POST`, Rails `params`, Express's extended `urlencoded()`).
 *
 * Mapping, shown before percent-encoding:
 *
 *   {"type": "call.ended", "data": {"call": {"id": 7, "tags": ["a", "b"], "note": null, "live": false}}}
 *   type=call.ended & data[call][id]=7 & data[call][tags][0]=a & data[call][tags][1]=b & data[call][note]= &
 *   data[call][live]=false
 *
 * - Nested object keys are flattened as `a[b][c]=v`; array items as `a[0]=v`, `a[1]=w` (explicit indexes, so
 *   arrays of objects stay unambiguous: `items[0][id]=1&items[0][qty]=2&items[1][id]=3`).
 * - Strings are sent as they are; `null` as an empty value; booleans as `true` / `false`; numbers as their
 *   JSON text.
 * - Empty objects and arrays produce no field, as in PHP's `http_build_query` and `qs`: form encoding has no
 *   way to write them.
 * - Fields keep the payload's order. The top level must be an object (or an array, giving `0=…&1=…`); a bare
 *   string or number has no field name and throws `FormEncodingError`, as does text that is not JSON (a raw
 *   payload sent through `transformationsParams.rawPayload`).
 * - Names and values are serialised as the WHATWG URL standard's `application/x-www-form-urlencoded`
 *   serializer does (`URLSearchParams`): UTF-8, space as `+`, everything but `A–Z a–z 0–9 * - . _`
 *   percent-encoded — including the brackets, so `a[b]=v` travels as `a%5Bb%5D=v`. Every form parser decodes
 *   that back to `a[b]`.
 * - A key that itself contains `[` or `]` is sent as it is; a receiver's parser will read it as nesting. Form
 *   encoding cannot express such keys unambiguously.
 *
 * Two entry points: `formUrlEncodeJsonText` works on the stored payload text, keeps number literals exactly
 * as written (a 64-bit id such as 12345678901234567890 survives; `JSON.parse` would round it) and keeps
 * duplicate keys and key order as sent; the engine should use it. `toFormUrlEncoded` encodes an in-memory
 * value with `JSON.stringify`'s rules (so `undefined` fields are left out and `toJSON` is honoured).
 */

// Deep enough for any real payload, shallow enough that a hostile one fails cleanly instead of overflowing
// the stack.
const MAX_DEPTH = 200;

export class FormEncodingError extends Error {
  override name = "FormEncodingError";
}

export function toFormUrlEncoded(payload: unknown): string {
  const form = new URLSearchParams();
  const top = toJsonValue(payload);
  if (Array.isArray(top)) top.forEach((item, index) => appendValue(form, String(index), item, true, 1));
  else if (isRecord(top))
    for (const [key, value] of Object.entries(top)) appendValue(form, key, value, false, 1);
  else throw new FormEncodingError("a form body needs a JSON object or array at the top level");
  return form.toString();
}

export function formUrlEncodeJsonText(jsonText: string): string {
  const form = new URLSearchParams();
  new JsonTextFlattener(jsonText, form).readTopLevel();
  return form.toString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// JSON.stringify calls toJSON(key) before serialising a value; do the same so both agree on what is sent.
function toJsonValue(value: unknown, key = ""): unknown {
  if (
    typeof value === "object" &&
    value !== null &&
    "toJSON" in value &&
    typeof value.toJSON === "function"
  ) {
    return (value.toJSON as (key: string) => unknown)(key);
  }
  return value;
}

/** `inArray`: JSON.stringify writes `null` for an array item it cannot serialise, and drops such a property. */
function appendValue(
  form: URLSearchParams,
  name: string,
  rawValue: unknown,
  inArray: boolean,
  depth: number,
): void {
  const value = toJsonValue(rawValue, name);
  switch (typeof value) {
    case "string":
      form.append(name, value);
      return;
    case "number":
      form.append(name, Number.isFinite(value) ? JSON.stringify(value) : "");
      return;
    case "boolean":
      form.append(name, value ? "true" : "false");
      return;
    case "bigint":
      throw new FormEncodingError(`${name} is a BigInt, which JSON cannot represent`);
    case "undefined":
    case "function":
    case "symbol":
      if (inArray) form.append(name, "");
      return;
    case "object":
      if (value === null) return form.append(name, "");
      if (depth >= MAX_DEPTH)
        throw new FormEncodingError(`${name} is nested more than ${MAX_DEPTH} levels deep`);
      if (Array.isArray(value)) {
        value.forEach((item, index) => appendValue(form, `${name}[${index}]`, item, true, depth + 1));
      } else {
        for (const [key, item] of Object.entries(value))
          appendValue(form, `${name}[${key}]`, item, false, depth + 1);
      }
      return;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * A recursive-descent reader of JSON text (RFC 8259) that appends form fields as it goes instead of building
 * values. Strings are decoded by `JSON.parse` on their exact slice, so escapes follow the standard exactly.
 */
class JsonTextFlattener {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly form: URLSearchParams,
  ) {}

  readTopLevel(): void {
    this.skipWhitespace();
    const opening = this.text[this.position];
    if (opening === "{") this.readObject(null, 1);
    else if (opening === "[") this.readArray(null, 1);
    else this.fail("a form body needs a JSON object or array at the top level");
    this.skipWhitespace();
    if (this.position !== this.text.length) this.fail("unexpected text after the JSON value");
  }

  private readValue(name: string, depth: number): void {
    const next = this.text[this.position];
    if (next === "{" || next === "[") {
      if (depth >= MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
      return next === "{" ? this.readObject(name, depth + 1) : this.readArray(name, depth + 1);
    }
    if (next === '"') return this.form.append(name, this.readString());
    for (const [literal, formValue] of LITERALS) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return this.form.append(name, formValue);
      }
    }
    NUMBER.lastIndex = this.position;
    const number = NUMBER.exec(this.text);
    if (number === null) this.fail("expected a JSON value");
    this.position = NUMBER.lastIndex;
    this.form.append(name, number[0]);
  }

  private readObject(name: string | null, depth: number): void {
    this.position++; // {
    this.skipWhitespace();
    if (this.consume("}")) return;
    do {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') this.fail("expected an object key");
      const key = this.readString();
      this.skipWhitespace();
      if (!this.consume(":")) this.fail("expected ':'");
      this.skipWhitespace();
      this.readValue(name === null ? key : `${name}[${key}]`, depth);
      this.skipWhitespace();
    } while (this.consume(","));
    if (!this.consume("}")) this.fail("expected ',' or '}'");
  }

  private readArray(name: string | null, depth: number): void {
    this.position++; // [
    this.skipWhitespace();
    if (this.consume("]")) return;
    let index = 0;
    do {
      this.skipWhitespace();
      this.readValue(name === null ? String(index) : `${name}[${index}]`, depth);
      index++;
      this.skipWhitespace();
    } while (this.consume(","));
    if (!this.consume("]")) this.fail("expected ',' or ']'");
  }

  private readString(): string {
    const start = this.position;
    let index = start + 1;
    for (;;) {
      const code = this.text.charCodeAt(index);
      if (Number.isNaN(code)) this.fail("unterminated string");
      if (code === 0x5c)
        index += 2; // backslash: skip the escaped character
      else if (code === 0x22) break;
      else index++;
    }
    this.position = index + 1;
    try {
      return JSON.parse(this.text.slice(start, this.position)) as string;
    } catch {
      return this.fail("invalid string", start);
    }
  }

  private consume(character: string): boolean {
    if (this.text[this.position] !== character) return false;
    this.position++;
    return true;
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.position;
    WHITESPACE.exec(this.text);
    this.position = WHITESPACE.lastIndex;
  }

  private fail(problem: string, at = this.position): never {
    throw new FormEncodingError(`payload is not form-encodable JSON: ${problem} at offset ${at}`);
  }
}

const LITERALS: ReadonlyArray<readonly [string, string]> = [
  ["null", ""],
  ["true", "true"],
  ["false", "false"],
];

import { describe, expect, it } from "vitest";
import {
  FormEncodingError,
  formUrlEncodeJsonText,
  toFormUrlEncoded,
} from "../../src/domain/form-encoding.js";

/** What a receiver's form parser sees: the decoded (name, value) pairs, in order. */
function fields(encoded: string): [string, string][] {
  return [...new URLSearchParams(encoded)];
}

/** Both entry points must agree on everything JSON.parse keeps intact. */
function encodeBoth(jsonText: string): string {
  const fromText = formUrlEncodeJsonText(jsonText);
  expect(toFormUrlEncoded(JSON.parse(jsonText))).toBe(fromText);
  return fromText;
}

describe("form encoding", () => {
  it("flattens the documented example", () => {
    const json = JSON.stringify({
      type: "call.ended",
      data: { call: { id: 7, tags: ["a", "b"], note: null, live: false } },
    });
    const encoded = encodeBoth(json);
    expect(fields(encoded)).toEqual([
      ["type", "call.ended"],
      ["data[call][id]", "7"],
      ["data[call][tags][0]", "a"],
      ["data[call][tags][1]", "b"],
      ["data[call][note]", ""],
      ["data[call][live]", "false"],
    ]);
    expect(encoded).toBe(
      "type=call.ended&data%5Bcall%5D%5Bid%5D=7&data%5Bcall%5D%5Btags%5D%5B0%5D=a&data%5Bcall%5D%5Btags%5D%5B1%5D=b" +
        "&data%5Bcall%5D%5Bnote%5D=&data%5Bcall%5D%5Blive%5D=false",
    );
  });

  it("indexes arrays of objects and nested arrays", () => {
    const encoded = encodeBoth('{"items":[{"id":1,"qty":2},{"id":3}],"grid":[[1,2],[3]]}');
    expect(fields(encoded)).toEqual([
      ["items[0][id]", "1"],
      ["items[0][qty]", "2"],
      ["items[1][id]", "3"],
      ["grid[0][0]", "1"],
      ["grid[0][1]", "2"],
      ["grid[1][0]", "3"],
    ]);
  });

  it("writes null as an empty value, booleans as words and numbers as JSON text", () => {
    const encoded = encodeBoth(
      '{"n":null,"t":true,"f":false,"i":-42,"d":0.1,"big":1e+21,"small":5e-7,"s":"true"}',
    );
    expect(fields(encoded)).toEqual([
      ["n", ""],
      ["t", "true"],
      ["f", "false"],
      ["i", "-42"],
      ["d", "0.1"],
      ["big", "1e+21"],
      ["small", "5e-7"],
      ["s", "true"],
    ]);
  });

  it("percent-encodes reserved characters in names and values", () => {
    const value = "a&b=c+d %25 #frag ?q /p [x] 'q' \"dq\" ~!*().-_\n\t";
    const encoded = encodeBoth(JSON.stringify({ "we&ird=key[]": value, "sp ace": "" }));
    expect(fields(encoded)).toEqual([
      ["we&ird=key[]", value],
      ["sp ace", ""],
    ]);
    // Serialised as the WHATWG form serializer does: space as '+', only * - . _ and alphanumerics left bare.
    expect(encoded).toBe(
      "we%26ird%3Dkey%5B%5D=a%26b%3Dc%2Bd+%2525+%23frag+%3Fq+%2Fp+%5Bx%5D+%27q%27+%22dq%22+%7E%21*%28%29.-_%0A%09" +
        "&sp+ace=",
    );
  });

  it("encodes Unicode as UTF-8, in names and values", () => {
    const encoded = encodeBoth('{"naïve":{"日本":"Zoë ✓ 🚀"}}');
    expect(fields(encoded)).toEqual([["naïve[日本]", "Zoë ✓ 🚀"]]);
    expect(encoded).toBe("na%C3%AFve%5B%E6%97%A5%E6%9C%AC%5D=Zo%C3%AB+%E2%9C%93+%F0%9F%9A%80");
  });

  it("replaces a lone surrogate with U+FFFD instead of failing", () => {
    expect(encodeBoth('{"s":"\\ud800x"}')).toBe("s=%EF%BF%BDx");
  });

  it("sends nothing for empty objects and arrays", () => {
    expect(encodeBoth("{}")).toBe("");
    expect(encodeBoth('{"a":{},"b":[],"c":1,"d":{"e":[]}}')).toBe("c=1");
  });

  it("indexes a top-level array and refuses a top-level scalar", () => {
    expect(fields(encodeBoth('[{"a":1},"x"]'))).toEqual([
      ["0[a]", "1"],
      ["1", "x"],
    ]);
    for (const scalar of ['"text"', "42", "null", "true"]) {
      expect(() => formUrlEncodeJsonText(scalar)).toThrow(FormEncodingError);
      expect(() => toFormUrlEncoded(JSON.parse(scalar))).toThrow(FormEncodingError);
    }
  });

  it("agrees on randomly generated payloads", () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const generate = (depth: number): unknown => {
      const kind = depth > 3 ? pick(["s", "n", "b", "z"]) : pick(["s", "n", "b", "z", "o", "a"]);
      if (kind === "s") return pick(["", "plain", "with space", "&=+%", "ünï", "🚀", "[x]", "line\nbreak"]);
      if (kind === "n") return pick([0, -1, 3.25, 1e-7, 2 ** 53 - 1, 1e300]);
      if (kind === "b") return random() < 0.5;
      if (kind === "z") return null;
      const size = Math.floor(random() * 4);
      if (kind === "a") return Array.from({ length: size }, () => generate(depth + 1));
      // No integer-like keys: JS objects move those first, while the text encoder keeps the order.
      return Object.fromEntries(
        Array.from({ length: size }, (_, i) => [`k${i}${pick(["", " ", "é", "]["])}`, generate(depth + 1)]),
      );
    };
    for (let i = 0; i < 300; i++) {
      const json = JSON.stringify({ root: generate(0) }, null, i % 2 === 0 ? undefined : 2);
      encodeBoth(json);
    }
  });
});

describe("form encoding of JSON text", () => {
  it("keeps number literals exactly as written", () => {
    expect(fields(formUrlEncodeJsonText('{"id":12345678901234567890,"one":1.0,"e":1E5,"neg":-0}'))).toEqual([
      ["id", "12345678901234567890"],
      ["one", "1.0"],
      ["e", "1E5"],
      ["neg", "-0"],
    ]);
  });

  it("keeps the text's key order and duplicate keys", () => {
    expect(fields(formUrlEncodeJsonText('{"b":1,"2":2,"a":{"z":1,"1":2}}'))).toEqual([
      ["b", "1"],
      ["2", "2"],
      ["a[z]", "1"],
      ["a[1]", "2"],
    ]);
    expect(fields(formUrlEncodeJsonText('{"a":1,"a":2}'))).toEqual([
      ["a", "1"],
      ["a", "2"],
    ]);
  });

  it("decodes string escapes and skips insignificant whitespace", () => {
    const text = ' \n{ "a\\"b" :\t"\\u00e9\\n\\/\\\\" , "c" : [ 1 , { } , "x" ] }\r\n';
    expect(fields(formUrlEncodeJsonText(text))).toEqual([
      ['a"b', "é\n/\\"],
      ["c[0]", "1"],
      ["c[2]", "x"],
    ]);
  });

  it("rejects text that is not JSON", () => {
    for (const bad of [
      "",
      "hello",
      "{",
      '{"a":1',
      '{"a":1,}',
      "[1,]",
      '{"a":1} x',
      '{"a":01}',
      '{"a":.5}',
      "{'a':1}",
      '{"a":"unterminated}',
      '{"a":"bad \\x escape"}',
      '{"a":"raw \u0001 control"}',
      '{"a" 1}',
      "{a:1}",
      '{"a":tru}',
      '{"a":nullx}',
      '{"a":1 "b":2}',
    ]) {
      expect(() => formUrlEncodeJsonText(bad), bad).toThrow(FormEncodingError);
    }
  });
});

describe("values that are not plain JSON", () => {
  it("follows JSON.stringify: undefined is dropped from objects and empty in arrays, toJSON is used", () => {
    const payload = { a: undefined, b: [undefined, 1], at: new Date(Date.UTC(2025, 0, 2)), nan: Number.NaN };
    expect(fields(toFormUrlEncoded(payload))).toEqual([
      ["b[0]", ""],
      ["b[1]", "1"],
      ["at", "2025-01-02T00:00:00.000Z"],
      ["nan", ""],
    ]);
  });

  it("refuses a BigInt, as JSON.stringify does", () => {
    expect(() => toFormUrlEncoded({ n: 1n })).toThrow(FormEncodingError);
  });

  it("fails cleanly on absurd nesting instead of overflowing the stack", () => {
    const deepText = `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(() => formUrlEncodeJsonText(deepText)).toThrow(FormEncodingError);
    let deepValue: unknown = 1;
    for (let i = 0; i < 100_000; i++) deepValue = [deepValue];
    expect(() => toFormUrlEncoded({ a: deepValue })).toThrow(FormEncodingError);
    // Reasonable nesting is fine.
    expect(formUrlEncodeJsonText(`{"a":${"[".repeat(50)}1${"]".repeat(50)}}`)).toBe(
      encodeURIComponent(`a${"[0]".repeat(50)}`) + "=1",
    );
  });
});

import { describe, expect, it } from "vitest";
import { topLevelValueText } from "../../src/lib/json-span.js";

describe("topLevelValueText", () => {
  it("returns a member's value exactly as written: big integers, number formats, spacing, key order", () => {
    const body =
      '{"eventType":"a.b", "payload" :  { "b" : 12345678901234567890, "a": 1.50e3 ,"z":[ ]} , "x":1}';
    expect(topLevelValueText(body, "payload")).toBe('{ "b" : 12345678901234567890, "a": 1.50e3 ,"z":[ ]}');
    expect(topLevelValueText(body, "eventType")).toBe('"a.b"');
    expect(topLevelValueText(body, "x")).toBe("1");
  });

  it("is not fooled by brackets, quotes and escaped quotes inside strings", () => {
    const payload = String.raw`{"s":"}]{[\"\\","t":"\\\"}","n":{"deep":[{"x":"\""}]}}`;
    const body = `{"before":"{\\"payload\\":1}","payload":${payload},"after":true}`;
    expect(JSON.parse(body)).toHaveProperty("payload");
    expect(topLevelValueText(body, "payload")).toBe(payload);
    expect(topLevelValueText(body, "before")).toBe(String.raw`"{\"payload\":1}"`);
    expect(topLevelValueText(body, "after")).toBe("true");
  });

  it("keeps unicode, escapes and surrogate pairs untouched", () => {
    const payload = '{"name":"Zoë 🎉 \\u00e9\\ud83c\\udf89","tab":"\\t"}';
    expect(topLevelValueText(`{"payload":${payload}}`, "payload")).toBe(payload);
  });

  it("handles every kind of scalar and whitespace between tokens", () => {
    const body = '\n\t{\r\n "a" :\tnull ,"b":false,"c" : -0.5E-10\n,"d":"",\n"e":[1,[2,{}]]\n}\n';
    expect(topLevelValueText(body, "a")).toBe("null");
    expect(topLevelValueText(body, "b")).toBe("false");
    expect(topLevelValueText(body, "c")).toBe("-0.5E-10");
    expect(topLevelValueText(body, "d")).toBe('""');
    expect(topLevelValueText(body, "e")).toBe("[1,[2,{}]]");
  });

  it("takes the last of duplicate keys, as JSON.parse does", () => {
    const body = '{"payload":{"first":1},"other":2,"payload":{"second":2}}';
    expect(JSON.parse(body)).toEqual({ payload: { second: 2 }, other: 2 });
    expect(topLevelValueText(body, "payload")).toBe('{"second":2}');
  });

  it("decodes escaped keys", () => {
    expect(topLevelValueText('{"pay\\u006coad":{"a":1}}', "payload")).toBe('{"a":1}');
    expect(topLevelValueText('{"a\\"b":7}', 'a"b')).toBe("7");
  });

  it("ignores members of nested objects", () => {
    expect(topLevelValueText('{"outer":{"payload":1}}', "payload")).toBeUndefined();
  });

  it("returns undefined for a missing key or a document that is not an object", () => {
    expect(topLevelValueText('{"a":1}', "payload")).toBeUndefined();
    expect(topLevelValueText("{}", "payload")).toBeUndefined();
    expect(topLevelValueText("[1,2]", "payload")).toBeUndefined();
    expect(topLevelValueText('"payload"', "payload")).toBeUndefined();
  });

  it("agrees with JSON.parse on generated documents", () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const space = (): string => pick(["", " ", "\n", "\t ", "\r\n  "]);
    const scalar = (): string =>
      pick(['"x"', '"a\\"}]"', '"\\\\"', "0", "-12.5e+3", "true", "false", "null", '"{["', '"é\\u0041"']);
    const value = (depth: number): string => {
      if (depth > 3 || random() < 0.4) return scalar();
      const count = Math.floor(random() * 4);
      const items = Array.from({ length: count }, () => value(depth + 1));
      if (random() < 0.5) return `[${space()}${items.join(`${space()},${space()}`)}${space()}]`;
      return `{${items.map((item, i) => `${space()}"${pick(["k", "payload", 'q\\"', "k"])}${i}"${space()}:${space()}${item}`).join(",")}${space()}}`;
    };
    for (let round = 0; round < 500; round++) {
      const keys = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        pick(["payload", "data", "a", "payload"]),
      );
      const doc = `${space()}{${keys.map((key) => `${space()}"${key}"${space()}:${space()}${value(0)}${space()}`).join(",")}}${space()}`;
      const parsed = JSON.parse(doc) as Record<string, unknown>;
      for (const key of ["payload", "data", "a", "missing"]) {
        const text = topLevelValueText(doc, key);
        if (key in parsed) expect(JSON.parse(text ?? "undefined")).toEqual(parsed[key]);
        else expect(text).toBeUndefined();
      }
    }
  });
});

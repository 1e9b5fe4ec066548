import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyOf, canonicalJson, SPAN_ID_PREFIX, spanIdBytes } from './canonical.js';
import type { Span } from './span.js';

/** A double from its IEEE 754 bit pattern, as RFC 8785 Appendix B lists them. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson: RFC 8785 examples', () => {
  it('§3.2.2: the sample object with numbers, an escaped string and literals', () => {
    // Parsed from the RFC's input text, so the numbers go through JSON.parse exactly as written there.
    const input = JSON.parse(`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
      "literals": [null, true, false]
    }`) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    // The same expected output, spelled as raw text.
    expect(canonicalJson(input)).toBe(String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
  });

  it('§3.2.3: keys sorted by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const out = canonicalJson(input);
    expect(out).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // Values in text order (not Object.values: JS lists integer-like keys such as "1" first).
    expect([...out.matchAll(/:"([^"]*)"/g)].map((m) => m[1])).toEqual([
      'Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('sorts nested objects too, keeps array order, drops nothing but undefined', () => {
    expect(canonicalJson({ b: [3, 1, 2], a: { z: 1, y: { d: 0, c: [{ f: 1, e: 2 }] } } }))
      .toBe('{"a":{"y":{"c":[{"e":2,"f":1}],"d":0},"z":1},"b":[3,1,2]}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({ '': 0, ' ': 1, 'a': 2, 'A': 3, 'aa': 4 })).toBe('{"":0," ":1,"A":3,"a":2,"aa":4}');
  });

  it('escapes only what JSON requires, in lower-case hex, and leaves other characters as UTF-8', () => {
    expect(canonicalJson('\u0000\u0008\u0009\u000a\u000b\u000c\u000d\u001f')).toBe('"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f"');
    expect(canonicalJson('"\\/')).toBe('"\\"\\\\/"');
    expect(canonicalJson('\u007f\u0080\u2028\u2029\ufeff')).toBe('"\u007f\u0080\u2028\u2029\ufeff"');
    expect(canonicalJson('é😀')).toBe('"é😀"');
  });
});

describe('canonicalJson: numbers (ECMAScript Number serialisation)', () => {
  const cases: [number, string][] = [
    [-0, '0'],
    [0, '0'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [1e-7, '1e-7'],
    [1e-6, '0.000001'],
    [9007199254740991, '9007199254740991'],
    [-9007199254740991, '-9007199254740991'],
    [0.1 + 0.2, '0.30000000000000004'],
    [4.5, '4.5'],
    [1e30, '1e+30'],
    [-1.5e-10, '-1.5e-10'],
    [100, '100'],
    [123.456, '123.456'],
  ];
  for (const [n, text] of cases) {
    it(`${Object.is(n, -0) ? '-0' : String(n)} → ${text}`, () => {
      expect(canonicalJson(n)).toBe(text);
      expect(canonicalJson({ n })).toBe(`{"n":${text}}`);
    });
  }

  it('RFC 8785 Appendix B: IEEE 754 bit patterns', () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of table) expect(canonicalJson(fromBits(bits)), bits).toBe(text);
  });

  it('a canonical number parses back to the same double', () => {
    for (const n of [0.1, 1 / 3, 2 ** -1074, 2 ** 1023, 123456789.123456789, -7.7e-300]) {
      expect(Number(canonicalJson(n))).toBe(n);
    }
  });
});

describe('canonicalJson: rejection', () => {
  it('throws on NaN and ±Infinity, at any depth', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => canonicalJson(bad)).toThrow();
      expect(() => canonicalJson({ a: { b: [1, bad] } })).toThrow();
    }
  });

  it('throws on lone surrogates in values and in keys, and accepts a proper pair', () => {
    for (const bad of ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '\udc00\ud800', 'x\ud83dy']) {
      expect(() => canonicalJson(bad), JSON.stringify(bad)).toThrow();
      expect(() => canonicalJson({ data: [bad] }), JSON.stringify(bad)).toThrow();
      expect(() => canonicalJson({ [bad]: 1 }), JSON.stringify(bad)).toThrow();
    }
    expect(canonicalJson('\ud83d\ude00')).toBe('"😀"');
  });

  it('throws on a value with no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});

describe('span ids', () => {
  const body = {
    v: 1, author: 'did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7', tenant: 'acme', seq: 1, prev: null,
    ts: '2026-11-28T13:02:53.873Z', title: 'Deployed api v2.3', status: 'executed', kind: 'user', visibility: 'organization',
  } as const;

  it('bodyOf drops exactly id and sig', () => {
    const span = { ...body, id: 'a'.repeat(64), sig: 'b'.repeat(128) } as Span;
    expect(bodyOf(span)).toEqual(body);
    expect('id' in bodyOf(span) || 'sig' in bodyOf(span)).toBe(false);
  });

  it('spanIdBytes is sha256 of the domain prefix and the canonical UTF-8 bytes', () => {
    expect(SPAN_ID_PREFIX).toBe('logline/span/v1\n');
    for (const title of ['Deployed api v2.3', 'é😀 unicode', '']) {
      const canonical = canonicalJson({ ...body, title });
      const expected = createHash('sha256').update(Buffer.concat([Buffer.from('logline/span/v1\n'), Buffer.from(canonical, 'utf8')])).digest();
      const id = spanIdBytes(canonical);
      expect(id.length).toBe(32);
      expect(id.toString('hex')).toBe(expected.toString('hex'));
    }
    // Without the prefix the hash differs: the namespace is part of the id.
    const canonical = canonicalJson(body);
    expect(spanIdBytes(canonical).toString('hex')).not.toBe(createHash('sha256').update(canonical).digest('hex'));
  });
});

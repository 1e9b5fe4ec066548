import { describe, expect, it } from 'vitest';
import { evaluateWith, matches } from '../testing/rules.js';

const span = {
  v: 1, tenant: 'acme', title: 'Recibo 0042 paid', status: 'executed', kind: 'user', visibility: 'organization',
  workflow_id: 'payments',
  tags: ['draft', 'sales'],
  data: { amount: 12000.5, count: 3, code: '5', ok: true, none: null, list: [{ x: 1 }, { x: 2 }], nested: { a: [1, 2], b: { c: 'd' } }, '0': 'zero' },
  metadata: { author: { name: 'Ada' } },
};

describe('field paths', () => {
  it('walk objects by key and arrays by numeric segment', async () => {
    expect(await matches({ type: 'equals', field: 'metadata.author.name', value: 'Ada' }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'tags.0', value: 'draft' }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'tags.1', value: 'sales' }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.list.1.x', value: 2 }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.0', value: 'zero' }, span)).toBe(true); // a digit segment is a key in an object
  });

  it('find nothing past the end of an array, through a scalar, by a word in an array or on the prototype', async () => {
    expect(await matches({ type: 'missing', field: 'tags.2' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'tags.first' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'title.length' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'data.amount.value' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'data.none.x' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'data.constructor' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'data.list.-1' }, span)).toBe(true);
  });

  it('skip empty segments as the original did', async () => {
    expect(await matches({ type: 'equals', field: 'data..count', value: 3 }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: '.data.count.', value: 3 }, span)).toBe(true);
  });
});

describe('always, all, any, not', () => {
  it('always matches; all of nothing is true; any of nothing is false', async () => {
    expect(await matches({ type: 'always' }, {})).toBe(true);
    expect(await matches({ type: 'all', conditions: [] }, {})).toBe(true);
    expect(await matches({ type: 'any', conditions: [] }, {})).toBe(false);
    expect(await matches({ type: 'not', condition: { type: 'any', conditions: [] } }, {})).toBe(true);
  });

  it('all needs every part, any one part, not inverts', async () => {
    const yes = { type: 'exists', field: 'title' };
    const no = { type: 'exists', field: 'nope' };
    expect(await matches({ type: 'all', conditions: [yes, yes, yes] }, span)).toBe(true);
    expect(await matches({ type: 'all', conditions: [yes, no, yes] }, span)).toBe(false);
    expect(await matches({ type: 'any', conditions: [no, no, yes] }, span)).toBe(true);
    expect(await matches({ type: 'any', conditions: [no, no] }, span)).toBe(false);
    expect(await matches({ type: 'all', conditions: [yes] }, span)).toBe(true);
    expect(await matches({ type: 'any', conditions: [no] }, span)).toBe(false);
    expect(await matches({ type: 'not', condition: yes }, span)).toBe(false);
    expect(await matches({ type: 'not', condition: { type: 'not', condition: yes } }, span)).toBe(true);
  });

  it('a rule without a condition always matches', async () => {
    const { outcome } = await evaluateWith([{ id: 'bare', actions: [{ type: 'note', message: 'x' }] }], {});
    expect(outcome.applied_rules).toEqual(['bare']);
  });
});

describe('equals and not_equals', () => {
  it('compare numbers as floats within 1e-9', async () => {
    expect(await matches({ type: 'equals', field: 'data.x', value: 0.3 }, { data: { x: 0.1 + 0.2 } })).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.x', value: 1 }, { data: { x: 1 + 5e-10 } })).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.x', value: 1 }, { data: { x: 1 + 1e-8 } })).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.count', value: 3.0 }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.x', value: -0 }, { data: { x: 0 } })).toBe(true);
  });

  it('need the types to match: no coercion between strings, numbers, booleans and null', async () => {
    expect(await matches({ type: 'equals', field: 'data.code', value: 5 }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.code', value: '5' }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.count', value: '3' }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.ok', value: 1 }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.ok', value: 'true' }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.ok', value: true }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.none', value: null }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.none', value: 0 }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.count', value: [3] }, span)).toBe(false);
  });

  it('a missing field equals nothing, not even null', async () => {
    expect(await matches({ type: 'equals', field: 'data.gone', value: null }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'gone', value: '' }, span)).toBe(false);
  });

  it('compare objects and arrays deeply: arrays in order, objects whatever the key order, numbers within 1e-9', async () => {
    expect(await matches({ type: 'equals', field: 'data.nested', value: { b: { c: 'd' }, a: [1, 2] } }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.nested.a', value: [2, 1] }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.nested.a', value: [1, 2, 3] }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.nested', value: { a: [1, 2] } }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.nested', value: { a: [1, 2], b: { c: 'd' }, e: 1 } }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'data.nested.a', value: [1 + 1e-10, 2] }, span)).toBe(true);
    expect(await matches({ type: 'equals', field: 'data.nested.a', value: { 0: 1, 1: 2 } }, span)).toBe(false);
    expect(await matches({ type: 'equals', field: 'tags', value: [] }, { tags: [] })).toBe(true);
    expect(await matches({ type: 'equals', field: 'data', value: {} }, { data: {} })).toBe(true);
  });

  it('not_equals is the negation of equals: true when the field is missing or of another type', async () => {
    expect(await matches({ type: 'not_equals', field: 'data.gone', value: 1 }, span)).toBe(true);
    expect(await matches({ type: 'not_equals', field: 'data.gone', value: null }, span)).toBe(true);
    expect(await matches({ type: 'not_equals', field: 'data.code', value: 5 }, span)).toBe(true);
    expect(await matches({ type: 'not_equals', field: 'data.code', value: '5' }, span)).toBe(false);
    expect(await matches({ type: 'not_equals', field: 'data.x', value: 0.3 }, { data: { x: 0.1 + 0.2 } })).toBe(false);
    expect(await matches({ type: 'not_equals', field: 'workflow_id', value: 'payments' }, span)).toBe(false);
  });
});

describe('exists and missing', () => {
  it('a field holding null exists; an absent one is missing', async () => {
    expect(await matches({ type: 'exists', field: 'data.none' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'data.none' }, span)).toBe(false);
    expect(await matches({ type: 'exists', field: 'data.gone' }, span)).toBe(false);
    expect(await matches({ type: 'missing', field: 'data.gone' }, span)).toBe(true);
    expect(await matches({ type: 'missing', field: 'data' }, {})).toBe(true);
  });

  it('empty strings, zero, false and empty lists exist', async () => {
    const s = { data: { s: '', z: 0, f: false, l: [], o: {} } };
    for (const f of ['s', 'z', 'f', 'l', 'o']) expect(await matches({ type: 'exists', field: `data.${f}` }, s)).toBe(true);
  });

  it('a field set to undefined in a JavaScript draft is missing, as in its JSON', async () => {
    expect(await matches({ type: 'missing', field: 'status' }, { title: 't', status: undefined })).toBe(true);
  });
});

describe('contains_text', () => {
  it('needs a string containing the text, case-sensitive', async () => {
    expect(await matches({ type: 'contains_text', field: 'title', text: 'Recibo' }, span)).toBe(true);
    expect(await matches({ type: 'contains_text', field: 'title', text: 'recibo' }, span)).toBe(false);
    expect(await matches({ type: 'contains_text', field: 'title', text: '0042 p' }, span)).toBe(true);
    expect(await matches({ type: 'contains_text', field: 'title', text: '' }, span)).toBe(true);
  });

  it('is false for numbers, arrays, objects and missing fields', async () => {
    expect(await matches({ type: 'contains_text', field: 'data.count', text: '3' }, span)).toBe(false);
    expect(await matches({ type: 'contains_text', field: 'tags', text: 'draft' }, span)).toBe(false);
    expect(await matches({ type: 'contains_text', field: 'data.nested', text: 'a' }, span)).toBe(false);
    expect(await matches({ type: 'contains_text', field: 'data.gone', text: '' }, span)).toBe(false);
  });
});

describe('contains_tag', () => {
  it('looks for the exact tag in the span\'s tags', async () => {
    expect(await matches({ type: 'contains_tag', tag: 'draft' }, span)).toBe(true);
    expect(await matches({ type: 'contains_tag', tag: 'Draft' }, span)).toBe(false);
    expect(await matches({ type: 'contains_tag', tag: 'dra' }, span)).toBe(false);
  });

  it('is false with no tags, empty tags, or tags that are not a list', async () => {
    expect(await matches({ type: 'contains_tag', tag: 'draft' }, {})).toBe(false);
    expect(await matches({ type: 'contains_tag', tag: 'draft' }, { tags: [] })).toBe(false);
    expect(await matches({ type: 'contains_tag', tag: 'draft' }, { tags: 'draft' })).toBe(false);
    expect(await matches({ type: 'contains_tag', tag: 'draft' }, { data: { tags: ['draft'] } })).toBe(false);
  });
});

describe('greater_than and less_than', () => {
  it('compare numbers strictly', async () => {
    expect(await matches({ type: 'greater_than', field: 'data.amount', value: 10000 }, span)).toBe(true);
    expect(await matches({ type: 'greater_than', field: 'data.amount', value: 12000.5 }, span)).toBe(false);
    expect(await matches({ type: 'less_than', field: 'data.amount', value: 12000.5 }, span)).toBe(false);
    expect(await matches({ type: 'less_than', field: 'data.amount', value: 12001 }, span)).toBe(true);
    expect(await matches({ type: 'greater_than', field: 'data.x', value: -1 }, { data: { x: -0.5 } })).toBe(true);
    expect(await matches({ type: 'less_than', field: 'data.x', value: 0 }, { data: { x: -0.5 } })).toBe(true);
  });

  it('never coerce: strings, booleans, null, lists and missing fields compare false both ways', async () => {
    for (const x of ['20000', true, null, [20000], { v: 20000 }]) {
      expect(await matches({ type: 'greater_than', field: 'data.x', value: 1 }, { data: { x } })).toBe(false);
      expect(await matches({ type: 'less_than', field: 'data.x', value: 1e9 }, { data: { x } })).toBe(false);
    }
    expect(await matches({ type: 'greater_than', field: 'data.gone', value: -1e9 }, span)).toBe(false);
    expect(await matches({ type: 'less_than', field: 'data.gone', value: 1e9 }, span)).toBe(false);
  });
});

describe('CEL', () => {
  it('binds the span as `span`', async () => {
    const cel = (expr: string) => matches({ type: 'cel', expr }, span);
    expect(await cel('span.data.amount > 10000 && span.workflow_id == "payments"')).toBe(true);
    expect(await cel('"draft" in span.tags')).toBe(true);
    expect(await cel('span.title.contains("Recibo")')).toBe(true);
    expect(await cel('span.title.lowerAscii().startsWith("recibo")')).toBe(true); // string extensions
    expect(await cel('has(span.data.gone)')).toBe(false);
    expect(await cel('span.data.count == 3')).toBe(true);
  });

  it('as `when` instead of a condition', async () => {
    const rules = [{ id: 'big', when: 'has(span.data.amount) && span.data.amount > 10000', actions: [{ type: 'reject', reason: 'too big' }] }];
    expect((await evaluateWith(rules, span)).outcome.decision).toBe('reject');
    expect((await evaluateWith(rules, { data: { amount: 5 } })).outcome.decision).toBe('allow');
    expect((await evaluateWith(rules, { data: {} })).outcome.decision).toBe('allow');
  });

  it('an evaluation error does not match and is noted in the outcome', async () => {
    const rules = [{ id: 'strict', when: 'span.data.amount > 10', actions: [{ type: 'reject', reason: 'x' }] }];
    const { outcome } = await evaluateWith(rules, { data: {} });
    expect(outcome.decision).toBe('allow');
    expect(outcome.applied_rules).toEqual([]);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0].rule).toBe('strict');
    expect(outcome.errors[0].message).toMatch(/amount/);
    expect(outcome.notes.join('\n')).toMatch(/strict.*amount/);
    expect(outcome.steps?.[0]).toMatchObject({ rule: 'strict', matched: false, error: outcome.errors[0].message });
  });

  it('a type mismatch is an error; a result that is not a bool is an error', async () => {
    const mismatch = await evaluateWith([{ id: 'm', when: 'span.data.code > 1', actions: [{ type: 'note', message: 'x' }] }], span);
    expect(mismatch.outcome.applied_rules).toEqual([]);
    expect(mismatch.outcome.errors.map((e) => e.rule)).toEqual(['m']);
    const notBool = await evaluateWith([{ id: 'n', when: 'span.data.amount', actions: [{ type: 'note', message: 'x' }] }], span);
    expect(notBool.outcome.applied_rules).toEqual([]);
    expect(notBool.outcome.errors[0].message).toMatch(/not a bool/);
  });

  it('an evaluation error anywhere in a rule\'s tree means the rule does not match', async () => {
    const failing = { type: 'cel', expr: 'span.data.gone > 1' };
    for (const condition of [{ type: 'any', conditions: [failing, { type: 'always' }] }, { type: 'not', condition: failing }]) {
      const { outcome } = await evaluateWith([{ id: 'e', condition, actions: [{ type: 'note', message: 'x' }] }], span);
      expect(outcome.applied_rules).toEqual([]);
      expect(outcome.errors.map((e) => e.rule)).toEqual(['e']);
    }
  });

  it('can sit inside a condition tree', async () => {
    expect(await matches({ type: 'all', conditions: [{ type: 'contains_tag', tag: 'sales' }, { type: 'cel', expr: 'span.data.count < 5' }] }, span)).toBe(true);
    expect(await matches({ type: 'not', condition: { type: 'cel', expr: 'span.data.count < 5' } }, span)).toBe(false);
  });
});

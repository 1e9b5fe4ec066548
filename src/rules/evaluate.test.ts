import { describe, expect, it } from 'vitest';
import { evaluateWith, ruleSetOf } from '../testing/rules.js';
import { EMPTY_RULE_SET, ruleSetHash } from './compile.js';
import { evaluate } from './evaluate.js';
import { normalizeRule } from './rule-doc.js';

const note = (message: string) => ({ type: 'note', message });

describe('order', () => {
  it('rules run by priority (lower first, default 100), ties by id', async () => {
    const rules = [
      { id: 'b', priority: 5, actions: [note('b')] },
      { id: 'default', actions: [note('default')] },
      { id: 'a', priority: 5, actions: [note('a')] },
      { id: 'first', priority: 0, actions: [note('first')] },
      { id: 'late', priority: 1000, actions: [note('late')] },
    ];
    const { outcome } = await evaluateWith(rules, {});
    expect(outcome.applied_rules).toEqual(['first', 'a', 'b', 'default', 'late']);
    expect(outcome.notes).toEqual(['first', 'a', 'b', 'default', 'late']);
  });

  it('each rule sees the span as changed by the rules before it', async () => {
    const rules = [
      { id: 'tagger', priority: 1, condition: { type: 'contains_text', field: 'title', text: 'Recibo' }, actions: [{ type: 'add_tag', tag: 'receipt' }] },
      { id: 'meta', priority: 2, condition: { type: 'contains_tag', tag: 'receipt' }, actions: [{ type: 'set_metadata', key: 'category', value: 'sales' }] },
      { id: 'after-meta', priority: 3, condition: { type: 'equals', field: 'metadata.category', value: 'sales' }, actions: [note('saw category')] },
      // runs before the tagger: does not see the tag
      { id: 'before', priority: 0, condition: { type: 'contains_tag', tag: 'receipt' }, actions: [note('too early')] },
    ];
    const { outcome, span } = await evaluateWith(rules, { title: 'Recibo 1' });
    expect(outcome.applied_rules).toEqual(['tagger', 'meta', 'after-meta']);
    expect(outcome.notes).toEqual(['saw category']);
    expect(span).toEqual({ title: 'Recibo 1', tags: ['receipt'], metadata: { category: 'sales' } });
  });

  it('large rule sets keep the order across compiled chunks, and later rules see earlier changes', async () => {
    // 150 rules: every 7th tags the span with its number; rule 149 needs the tag of rule 140
    const rules = Array.from({ length: 150 }, (_, k) => ({
      id: `r${String(k).padStart(3, '0')}`,
      condition: k === 149 ? { type: 'contains_tag', tag: 't140' } : k % 7 === 0 ? { type: 'always' } : { type: 'exists', field: 'nope' },
      actions: [k === 149 ? note('saw t140') : { type: 'add_tag', tag: `t${k}` }],
    }));
    const { outcome } = await evaluateWith(rules, {});
    const sevenths = Array.from({ length: 22 }, (_, i) => `r${String(i * 7).padStart(3, '0')}`);
    expect(outcome.applied_rules).toEqual([...sevenths, 'r149']);
    expect(outcome.notes).toEqual(['saw t140']);
    expect(outcome.steps).toHaveLength(150);
  });

  it('a disabled rule does not run', async () => {
    const { outcome } = await evaluateWith([{ id: 'off', enabled: false, actions: [{ type: 'reject', reason: 'no' }] }, { id: 'on', actions: [note('on')] }], {});
    expect(outcome.decision).toBe('allow');
    expect(outcome.applied_rules).toEqual(['on']);
  });

  it('no rules: allow, nothing changed', () => {
    const input = { title: 't' };
    const { outcome, span } = evaluate(EMPTY_RULE_SET, input, 'admission');
    expect(outcome).toMatchObject({ decision: 'allow', applied_rules: [], added_tags: [], metadata_updates: {}, notes: [], reactions: [], errors: [] });
    expect(span).toBe(input);
  });
});

describe('decisions', () => {
  it('reject stops at once: later actions of the rule and later rules do not run', async () => {
    const rules = [
      { id: 'a', priority: 1, actions: [{ type: 'add_tag', tag: 'seen' }] },
      { id: 'b', priority: 2, actions: [{ type: 'reject', reason: 'blocked' }, { type: 'add_tag', tag: 'after-reject' }] },
      { id: 'c', priority: 3, actions: [note('never')] },
    ];
    const { outcome } = await evaluateWith(rules, {});
    expect(outcome.decision).toBe('reject');
    expect(outcome.rejected_by).toEqual({ rule: 'b', reason: 'blocked' });
    expect(outcome.applied_rules).toEqual(['a', 'b']);
    expect(outcome.added_tags).toEqual(['seen']);
    expect(outcome.notes).toEqual([]);
    expect(outcome.steps?.map((s) => [s.rule, s.ran, s.matched])).toEqual([['a', true, true], ['b', true, true], ['c', false, false]]);
  });

  it('reject wins over an earlier simulate', async () => {
    const { outcome } = await evaluateWith([
      { id: 'sim', priority: 1, actions: [{ type: 'simulate' }] },
      { id: 'rej', priority: 2, actions: [{ type: 'reject', reason: 'r' }] },
    ], {});
    expect(outcome.decision).toBe('reject');
  });

  it('simulate is not undone by a later allow; its note is kept; the span becomes simulated', async () => {
    const { outcome, span } = await evaluateWith([
      { id: 'sim', priority: 1, actions: [{ type: 'simulate', note: 'dry run' }] },
      { id: 'ok', priority: 2, actions: [{ type: 'allow' }] },
    ], { title: 't', status: 'executed' });
    expect(outcome.decision).toBe('simulate');
    expect(outcome.notes).toEqual(['dry run']);
    expect(outcome.applied_rules).toEqual(['sim', 'ok']);
    expect(span.status).toBe('simulated');
  });

  it('allow alone is the default decision and changes nothing', async () => {
    const input = { title: 't' };
    const { outcome, span } = await evaluateWith([{ id: 'ok', actions: [{ type: 'allow' }] }], input);
    expect(outcome.decision).toBe('allow');
    expect(outcome.applied_rules).toEqual(['ok']);
    expect(span).toBe(input);
  });

  it('a simulate without a note adds no note', async () => {
    const { outcome } = await evaluateWith([{ id: 'sim', actions: [{ type: 'simulate' }] }], {});
    expect(outcome).toMatchObject({ decision: 'simulate', notes: [] });
  });
});

describe('tags, metadata and notes', () => {
  it('add_tag keeps tags sorted and unique and lists only tags the span did not have', async () => {
    const input = { tags: ['b', 'd'] };
    const { outcome, span } = await evaluateWith([
      { id: 'r1', priority: 1, actions: [{ type: 'add_tag', tag: 'c' }, { type: 'add_tag', tag: 'a' }, { type: 'add_tag', tag: 'b' }] },
      { id: 'r2', priority: 2, actions: [{ type: 'add_tag', tag: 'c' }] },
    ], input);
    expect(span.tags).toEqual(['a', 'b', 'c', 'd']);
    expect(outcome.added_tags).toEqual(['c', 'a']);
    expect(input.tags).toEqual(['b', 'd']); // the caller's span is never changed
  });

  it('add_tag creates the tags of a span that has none', async () => {
    const { span } = await evaluateWith([{ id: 'r', actions: [{ type: 'add_tag', tag: 'x' }] }], { title: 't' });
    expect(span).toEqual({ title: 't', tags: ['x'] });
  });

  it('set_metadata creates or overrides a key; the outcome has the final values', async () => {
    const input = { metadata: { keep: 1, category: 'old' } };
    const { outcome, span } = await evaluateWith([
      { id: 'r1', priority: 1, actions: [{ type: 'set_metadata', key: 'category', value: 'sales' }, { type: 'set_metadata', key: 'obj', value: { a: [1] } }] },
      { id: 'r2', priority: 2, actions: [{ type: 'set_metadata', key: 'category', value: 'final' }, { type: 'set_metadata', key: 'nothing', value: null }] },
    ], input);
    expect(span.metadata).toEqual({ keep: 1, category: 'final', obj: { a: [1] }, nothing: null });
    expect(outcome.metadata_updates).toEqual({ category: 'final', obj: { a: [1] }, nothing: null });
    expect(input.metadata).toEqual({ keep: 1, category: 'old' });
  });

  it('set_metadata on a span without metadata creates it; a key named __proto__ is a plain key', async () => {
    const { outcome, span } = await evaluateWith([{ id: 'r', actions: [{ type: 'set_metadata', key: '__proto__', value: { polluted: true } }] }], {});
    const metadata = span.metadata as Record<string, unknown>;
    expect(Object.keys(metadata)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(outcome.metadata_updates))).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('note adds to the notes in order', async () => {
    const { outcome } = await evaluateWith([{ id: 'r', actions: [note('one'), note('two')] }], {});
    expect(outcome.notes).toEqual(['one', 'two']);
  });
});

describe('phases', () => {
  const rules = [
    { id: 'mixed', priority: 1, actions: [{ type: 'add_tag', tag: 'seen' }, { type: 'emit', title: 'follow-up', data: { n: 1 } }] },
    { id: 'react', priority: 2, condition: { type: 'contains_tag', tag: 'alert' }, actions: [{ type: 'task', task: 'notify', payload: { to: 'ops' }, priority: 'high' }, { type: 'webhook', url: 'https://example.com/hook' }] },
    { id: 'gate', priority: 3, actions: [{ type: 'reject', reason: 'closed' }] },
  ];

  it('admission applies admission actions and ignores reaction actions', async () => {
    const { outcome, span } = await evaluateWith(rules, { title: 't', tags: ['alert'] });
    expect(outcome.phase).toBe('admission');
    expect(outcome.applied_rules).toEqual(['mixed', 'gate']); // `react` has no admission action: not in this phase
    expect(outcome.reactions).toEqual([]);
    expect(outcome.decision).toBe('reject');
    expect(span.tags).toEqual(['alert', 'seen']);
  });

  it('reaction lists the reactions of matching rules, never changes the span, and ignores admission actions', async () => {
    const input = { title: 't', tags: ['alert'] };
    const set = await ruleSetOf(rules);
    const { outcome, span } = evaluate(set, input, 'reaction');
    expect(span).toBe(input);
    expect(outcome.decision).toBe('allow');
    expect(outcome.applied_rules).toEqual(['mixed', 'react']);
    expect(outcome.added_tags).toEqual([]);
    expect(outcome.reactions.map((r) => [r.rule, r.action.type])).toEqual([['mixed', 'emit'], ['react', 'task'], ['react', 'webhook']]);
    expect(outcome.reactions[0].action).toEqual({ type: 'emit', title: 'follow-up', data: { n: 1 } });
    expect(outcome.reactions[1].action).toEqual({ type: 'task', task: 'notify', payload: { to: 'ops' }, priority: 'high' });
    expect(outcome.reactions[2].action).toEqual({ type: 'webhook', url: 'https://example.com/hook', method: 'POST' });
    expect(outcome.reactions[0].version).toMatch(/^[0-9a-f]{64}$/);
    expect(outcome.reactions[1].version).toBe(outcome.reactions[2].version);
    expect(evaluate(set, { title: 'quiet' }, 'reaction').outcome.reactions.map((r) => r.rule)).toEqual(['mixed']);
  });
});

describe('content hash', () => {
  const doc = (raw: unknown) => normalizeRule(raw, { file: 'x' }, 0);
  const a = doc({ id: 'a', actions: [note('a')] });
  const b = doc({ id: 'b', priority: 3, actions: [note('b')] });

  it('does not depend on the order of the rules or of their keys, and counts only enabled rules', async () => {
    expect(ruleSetHash([a, b])).toBe(ruleSetHash([b, a]));
    expect(ruleSetHash([a, b])).toBe(ruleSetHash([doc({ actions: [note('a')], id: 'a' }), b]));
    expect(ruleSetHash([a, b, doc({ id: 'c', enabled: false, actions: [note('c')] })])).toBe(ruleSetHash([a, b]));
    expect(ruleSetHash([a])).not.toBe(ruleSetHash([a, b]));
    expect(ruleSetHash([a, b])).not.toBe(ruleSetHash([a, doc({ id: 'b', priority: 4, actions: [note('b')] })]));
    expect((await ruleSetOf([{ id: 'b', priority: 3, actions: [note('b')] }, { id: 'a', actions: [note('a')] }])).hash).toBe(ruleSetHash([a, b]));
  });

  it('is in every outcome', async () => {
    const set = await ruleSetOf([{ id: 'a', actions: [note('a')] }]);
    expect(evaluate(set, {}, 'admission').outcome.rule_set).toBe(set.hash);
    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(EMPTY_RULE_SET.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signerFromSeed } from '../identity/ed25519.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { tempDir } from '../testing/cli.js';
import type { Draft } from '../timeline/build.js';
import { Timeline } from '../timeline/timeline.js';
import { evaluate } from './evaluate.js';
import { normalizeRule } from './rule-doc.js';
import { currentRules, hasRuleSpans, ruleDisabled, ruleEvents, rulePut, tenantRuleSet, RULE_PUT } from './store.js';
import type { RuleDoc } from './types.js';

const t = tempDir('logline-rule-store-');
const db = openDb(join(t.dir, 'node.db'));
afterAll(() => { db.close(); t.cleanup(); });
const repo = new SpansRepo(db);
const timeline = new Timeline(repo);
const ana = signerFromSeed(Buffer.alloc(32, 1));
const bob = signerFromSeed(Buffer.alloc(32, 2));

const doc = (raw: Record<string, unknown>): RuleDoc => normalizeRule({ actions: [{ type: 'note', message: 'hi' }], ...raw }, { file: 'test' }, 0);
const at = (draft: Draft, ts: string): Draft => ({ ...draft, ts: `2026-01-01T00:00:${ts}.000Z` });

describe('the projection of rule.put and rule.disabled spans', () => {
  it('has no rules in a tenant without rule spans', async () => {
    expect(hasRuleSpans(repo, 'acme')).toBe(false);
    expect(currentRules(repo, 'acme')).toEqual([]);
    expect((await tenantRuleSet(repo, 'acme')).admission.rules).toEqual([]);
  });

  it('follows puts and disables in timeline order, whoever wrote them', () => {
    timeline.append([at(rulePut('acme', doc({ id: 'b', priority: 1 })), '01'), at(rulePut('acme', doc({ id: 'a', priority: 5 })), '02')], ana);
    timeline.append([at(rulePut('acme', doc({ id: 'b', priority: 9 })), '03'), at(ruleDisabled('acme', 'a'), '04')], bob);
    timeline.append([at(rulePut('acme', doc({ id: 'c' })), '05')], ana);
    timeline.append([at(rulePut('other', doc({ id: 'elsewhere' })), '05')], ana);
    expect(hasRuleSpans(repo, 'acme')).toBe(true);
    const rules = currentRules(repo, 'acme');
    expect(rules.map((r) => [r.doc.id, r.doc.priority, r.state])).toEqual([['a', 5, 'disabled'], ['b', 9, 'enabled'], ['c', 100, 'enabled']]);
    expect(rules[1].author).toBe(bob.did);
    expect(rules[0].disabledBy?.author).toBe(bob.did);
    expect(currentRules(repo, 'other').map((r) => r.doc.id)).toEqual(['elsewhere']);
  });

  it('orders by ts, not by when a span was stored (a replicated older span counts as older)', () => {
    timeline.append([at(rulePut('acme', doc({ id: 'b', priority: 2 })), '00')], bob); // stored last, written first
    expect(currentRules(repo, 'acme').find((r) => r.doc.id === 'b')?.doc.priority).toBe(9);
    expect(ruleEvents(repo, 'acme', 'b').map((e) => e.doc?.priority)).toEqual([2, 1, 9]);
  });

  it('a put after a disable enables the rule again', () => {
    timeline.append([at(rulePut('acme', doc({ id: 'a', priority: 5 })), '06')], ana);
    expect(currentRules(repo, 'acme').find((r) => r.doc.id === 'a')?.state).toBe('enabled');
    expect(ruleEvents(repo, 'acme', 'a').map((e) => e.event)).toEqual(['put', 'disabled', 'put']);
  });

  it('skips spans that do not count: invalid documents, simulated spans, spans without an id, disables of unknown rules', () => {
    timeline.append([
      at({ tenant: 'acme', title: RULE_PUT, kind: 'system', data: { id: 'broken', condition: { type: 'regex' }, actions: [{ type: 'allow' }] } }, '07'),
      at({ tenant: 'acme', title: RULE_PUT, kind: 'system', data: { priority: 1 } }, '08'),
      at({ ...rulePut('acme', doc({ id: 'sim' })), status: 'simulated' }, '09'),
      at(ruleDisabled('acme', 'ghost'), '10'),
      // a user span titled rule.put is not a rule change
      at({ tenant: 'acme', title: RULE_PUT, data: doc({ id: 'user-kind' }) as unknown as Record<string, unknown> }, '11'),
    ], ana);
    expect(currentRules(repo, 'acme').map((r) => r.doc.id)).toEqual(['a', 'b', 'c']);
    const ignored = ruleEvents(repo, 'acme').filter((e) => e.ignored !== undefined);
    expect(ignored.map((e) => [e.id, e.ignored?.slice(0, 40)])).toEqual([
      ['broken', expect.stringContaining('rule.put span')],
      ['?', 'the span names no rule id'],
      ['sim', 'the span is simulated'],
    ]);
    expect(ignored[0].ignored).toContain('condition.type "regex" is not a condition type');
  });

  it('lets the caller judge who may change rules', () => {
    const onlyAna = currentRules(repo, 'acme', { accept: (e) => e.author === ana.did });
    expect(onlyAna.map((r) => [r.doc.id, r.doc.priority, r.state])).toEqual([['b', 1, 'enabled'], ['a', 5, 'enabled'], ['c', 100, 'enabled']]);
  });

  it('compiles the enabled rules; a stored rule whose CEL does not compile is left out and reported', async () => {
    timeline.append([at(rulePut('acme', { ...doc({ id: 'bad-cel' }), condition: undefined, when: 'span.(' } as RuleDoc), '12')], ana);
    timeline.append([at(rulePut('acme', doc({ id: 'cel-ok', priority: 0, when: 'span.title == "x"', actions: [{ type: 'add_tag', tag: 'x' }] })), '13')], ana);
    const invalid: string[] = [];
    const set = await tenantRuleSet(repo, 'acme', { onInvalid: (id, e) => invalid.push(`${id}:${e.code}`) });
    expect(invalid).toEqual(['bad-cel:RULE_CEL_SYNTAX']);
    expect(set.admission.rules.map((r) => r.id)).toEqual(['cel-ok', 'a', 'b', 'c']);
    expect(evaluate(set, { title: 'x' }, 'admission').outcome.added_tags).toEqual(['x']);
    await expect(tenantRuleSet(repo, 'acme')).rejects.toMatchObject({ code: 'RULE_CEL_SYNTAX' });
  });
});

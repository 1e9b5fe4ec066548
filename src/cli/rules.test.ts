import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, initHome, tempDir } from '../testing/cli.js';
import { POLICY_FILES } from '../testing/rules.js';

type Home = ReturnType<typeof initHome>;
const json = (r: { stdout: string }) => JSON.parse(r.stdout);

describe('rules test: an offline dry run of a rule file', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  // no home is needed to try a rule file
  const run = (args: string[], input?: string) => cli(['--home', join(t.dir, 'none'), ...args], { input });

  const cases = [
    { span: { title: 'Pay', workflow_id: 'payments', data: { amount: 20000 } }, decision: 'reject', rules: ['block-large-payments'], tags: [], status: 'executed' },
    { span: { title: 'Pay', workflow_id: 'payments', data: { amount: 10000 } }, decision: 'allow', rules: [], tags: [], status: 'executed' },
    { span: { title: 'Recibo 0042' }, decision: 'allow', rules: ['tag-receipts'], tags: ['receipt'], status: 'executed' },
    { span: { title: 'Plan', tags: ['draft'] }, decision: 'simulate', rules: ['simulate-drafts'], tags: [], status: 'simulated' },
  ];

  for (const form of ['tree', 'cel'] as const) {
    it(`the example policy as a ${form === 'tree' ? 'condition tree' : 'CEL'} gives the expected outcome for each case`, () => {
      for (const c of cases) {
        const r = run(['rules', 'test', POLICY_FILES[form], '--span', JSON.stringify(c.span), '--json']);
        expect(r.code, r.stderr).toBe(0);
        const { outcome, span } = json(r);
        expect(outcome.decision).toBe(c.decision);
        expect(outcome.applied_rules).toEqual(c.rules);
        expect(outcome.added_tags).toEqual(c.tags);
        expect(outcome.errors).toEqual([]);
        expect(span.status).toBe(c.status);
        expect(outcome.steps.map((s: { rule: string }) => s.rule)).toEqual(['block-large-payments', 'simulate-drafts', 'tag-receipts']);
        if (c.tags.length) expect(span.metadata).toEqual({ category: 'sales' });
      }
    });
  }

  it('prints which rule did what', () => {
    const r = run(['rules', 'test', POLICY_FILES.tree, '--span', '{"title":"Recibo 7","tags":["draft"]}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^decision: simulate/);
    expect(r.stdout).toMatch(/block-large-payments\s+no match/);
    expect(r.stdout).toMatch(/simulate-drafts\s+matched\s+simulate \(draft span recorded as simulated\)/);
    expect(r.stdout).toMatch(/tag-receipts\s+matched\s+add_tag receipt, set_metadata category="sales"/);
    expect(r.stdout).toContain('tags added: receipt');
    const rejected = run(['rules', 'test', POLICY_FILES.cel, '--span', '{"title":"Pay","workflow_id":"payments","data":{"amount":10001}}']);
    expect(rejected.stdout).toMatch(/^decision: reject by block-large-payments: payments above 10000 need an approval/);
    expect(rejected.stdout).toMatch(/tag-receipts\s+not run/);
  });

  it('reads the span from a file or stdin, and shows CEL evaluation errors', () => {
    const file = join(t.dir, 'span.json');
    writeFileSync(file, '{"title":"Recibo 9"}');
    expect(json(run(['rules', 'test', POLICY_FILES.cel, '--span', `@${file}`, '--json'])).outcome.added_tags).toEqual(['receipt']);
    expect(json(run(['rules', 'test', POLICY_FILES.cel, '--span', '-', '--json'], '{"title":"Recibo 9"}')).outcome.added_tags).toEqual(['receipt']);
    const strict = join(t.dir, 'strict.yaml');
    writeFileSync(strict, 'id: strict\nwhen: span.data.amount > 10\nactions: [{type: reject, reason: big}]\n');
    const r = run(['rules', 'test', strict, '--span', '{"title":"no data"}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^decision: allow/);
    expect(r.stdout).toMatch(/strict\s+error: .*data/);
  });

  it('the reaction phase lists reactions and changes nothing', () => {
    const file = join(t.dir, 'react.yaml');
    writeFileSync(file, 'id: follow\ncondition: {type: contains_tag, tag: deploy}\nactions: [{type: add_tag, tag: x}, {type: emit, title: "verify deploy", data: {check: true}}]\n');
    const r = run(['rules', 'test', file, '--phase', 'reaction', '--span', '{"title":"Deployed","tags":["deploy"]}', '--json']);
    const { outcome, span } = json(r);
    expect(outcome.reactions).toEqual([{ rule: 'follow', version: expect.stringMatching(/^[0-9a-f]{64}$/), action: { type: 'emit', title: 'verify deploy', data: { check: true } } }]);
    expect(span.tags).toEqual(['deploy']);
    expect(run(['rules', 'test', file, '--phase', 'reaction', '--span', '{"title":"Deployed","tags":["deploy"]}']).stdout).toContain('reaction: follow: emit "verify deploy"');
  });

  it('refuses a missing or bad --span, and a bad rule file, with their codes', () => {
    expect(run(['rules', 'test', POLICY_FILES.tree]).code).toBe(2);
    const bad = run(['rules', 'test', POLICY_FILES.tree, '--span', '{nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('BAD_JSON');
    const file = join(t.dir, 'bad.yaml');
    writeFileSync(file, 'id: oops\ncondition: {type: matches_regex, field: title}\nactions: [{type: allow}]\n');
    const r = run(['rules', 'test', file, '--span', '{}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/RULE_UNKNOWN_CONDITION: .*bad\.yaml: rule "oops": condition.type "matches_regex" is not a condition type/);
  });
});

describe('rules add, list, show, history, disable', () => {
  let h: Home;
  const t = tempDir();
  beforeAll(() => { h = initHome('dan', 'acme'); });
  afterAll(() => { h.cleanup(); t.cleanup(); });

  it('adds one rule.put system span per rule; unchanged rules are not put again', () => {
    const r = h.run(['rules', 'add', POLICY_FILES.tree, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const added = json(r);
    expect(added.put.map((p: { id: string }) => p.id)).toEqual(['block-large-payments', 'simulate-drafts', 'tag-receipts']);
    expect(added.unchanged).toEqual([]);
    const span = json(h.run(['span', 'show', added.put[0].span, '--json']));
    expect(span).toMatchObject({ kind: 'system', title: 'rule.put', tenant: 'acme' });
    expect(span.data).toMatchObject({ id: 'block-large-payments', priority: 10, enabled: true, labels: ['finance'] });

    const again = json(h.run(['rules', 'add', POLICY_FILES.tree, '--json']));
    expect(again.put).toEqual([]);
    expect(again.unchanged).toEqual(['block-large-payments', 'simulate-drafts', 'tag-receipts']);
  });

  it('puts only the rules that changed', () => {
    // a file with a new version of one of the three rules
    const file = join(t.dir, 'one.yaml');
    writeFileSync(file, 'id: simulate-drafts\npriority: 20\ndescription: spans tagged draft are recorded as simulated\ncondition: {type: contains_tag, tag: wip}\nactions: [{type: simulate}]\n');
    const r = json(h.run(['rules', 'add', file, '--json']));
    expect(r.put).toEqual([{ id: 'simulate-drafts', span: expect.stringMatching(/^[0-9a-f]{64}$/), new: false }]);
    const shown = json(h.run(['rules', 'show', 'simulate-drafts', '--json']));
    expect(shown.rule.condition).toEqual({ type: 'contains_tag', tag: 'wip' });
  });

  it('lists the current rules in the order they run, with the rule set hash', () => {
    const list = json(h.run(['rules', 'list', '--json']));
    expect(list.tenant).toBe('acme');
    expect(list.rule_set).toMatch(/^[0-9a-f]{64}$/);
    expect(list.rules.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['block-large-payments', 'enabled'], ['simulate-drafts', 'enabled'], ['tag-receipts', 'enabled'],
    ]);
    const text = h.run(['rules', 'list']);
    expect(text.stdout).toMatch(/^block-large-payments\s+10\s+enabled\s+admission/m);
    // the dry run of the tenant's rules reports the same rule set
    const test = json(h.run(['rules', 'test', '--span', '{"title":"x"}', '--json']));
    expect(test.outcome.rule_set).toBe(list.rule_set);
  });

  it('shows a rule as YAML', () => {
    const r = h.run(['rules', 'show', 'tag-receipts']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('id: tag-receipts');
    expect(r.stdout).toContain('type: contains_text');
  });

  it('disables a rule with a rule.disabled span; the dry run of the tenant\'s rules leaves it out', () => {
    const before = json(h.run(['rules', 'list', '--json'])).rule_set;
    const r = json(h.run(['rules', 'disable', 'tag-receipts', '--json']));
    expect(r.span).toMatch(/^[0-9a-f]{64}$/);
    expect(json(h.run(['span', 'show', r.span, '--json']))).toMatchObject({ kind: 'system', title: 'rule.disabled', data: { id: 'tag-receipts' } });
    const list = json(h.run(['rules', 'list', '--json']));
    expect(list.rules.find((x: { id: string }) => x.id === 'tag-receipts').state).toBe('disabled');
    expect(list.rule_set).not.toBe(before);
    const test = json(h.run(['rules', 'test', '--span', '{"title":"Recibo 1"}', '--json']));
    expect(test.outcome.applied_rules).toEqual([]);
    expect(test.outcome.rule_set).toBe(list.rule_set);
    const twice = h.run(['rules', 'disable', 'tag-receipts', '--json']);
    expect(twice.code).toBe(0);
    expect(json(twice)).toMatchObject({ span: null, already: true });
  });

  it('adding a disabled rule again enables it', () => {
    const r = json(h.run(['rules', 'add', POLICY_FILES.tree, '--json']));
    expect(r.put.map((p: { id: string }) => p.id)).toEqual(['simulate-drafts', 'tag-receipts']);
    expect(json(h.run(['rules', 'list', '--json'])).rules.every((x: { state: string }) => x.state === 'enabled')).toBe(true);
  });

  it('history lists every version, oldest first', () => {
    const r = json(h.run(['rules', 'history', 'tag-receipts', '--json']));
    expect(r.events.map((e: { event: string }) => e.event)).toEqual(['put', 'disabled', 'put']);
    expect(r.events[0].doc.id).toBe('tag-receipts');
    const simulate = json(h.run(['rules', 'history', 'simulate-drafts', '--json']));
    expect(simulate.events.map((e: { doc: { condition: { tag: string } } }) => e.doc.condition.tag)).toEqual(['draft', 'wip', 'draft']);
    const text = h.run(['rules', 'history', 'tag-receipts']);
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
    expect(text.stdout).toMatch(/disabled/);
  });

  it('rules belong to a tenant', () => {
    expect(json(h.run(['rules', 'list', '--tenant', 'other', '--json'])).rules).toEqual([]);
    const r = h.run(['rules', 'show', 'tag-receipts', '--tenant', 'other']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('RULE_NOT_FOUND');
    expect(h.run(['rules', 'history', 'tag-receipts', '--tenant', 'other']).code).toBe(1);
    expect(h.run(['rules', 'disable', 'nope']).stderr).toContain('RULE_NOT_FOUND');
  });

  it('a bad file stores nothing and names the file and the rule', () => {
    const before = json(h.run(['rules', 'list', '--json']));
    const file = join(t.dir, 'bad.yaml');
    writeFileSync(file, '- id: fine\n  actions: [{type: allow}]\n- id: broken\n  when: "span.data.amount >"\n  actions: [{type: allow}]\n');
    const r = h.run(['rules', 'add', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/RULE_CEL_SYNTAX: .*bad\.yaml: rule "broken": when is not a valid CEL expression/);
    expect(json(h.run(['rules', 'list', '--json']))).toEqual(before);
    const empty = join(t.dir, 'empty.yaml');
    writeFileSync(empty, '');
    expect(h.run(['rules', 'add', empty]).code).toBe(2);
  });

  it('a dry run takes a full signed span as it is', () => {
    // signed on a home without the policy (this one's admission rules would refuse to sign it)
    const other = initHome('sig', 'acme');
    const span = json(other.run(['log', 'Recibo 55', '--workflow', 'payments', '--data', '{"amount":99999}', '--json']));
    other.cleanup();
    const file = join(t.dir, 'signed.json');
    writeFileSync(file, JSON.stringify(span));
    const r = json(h.run(['rules', 'test', POLICY_FILES.tree, '--span', `@${file}`, '--json']));
    expect(r.outcome.decision).toBe('reject');
    expect(r.span.id).toBe(span.id);
  });
});

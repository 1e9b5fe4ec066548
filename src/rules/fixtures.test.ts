import { describe, expect, it } from 'vitest';
import { POLICY_FILES } from '../testing/rules.js';
import { compileRules } from './compile.js';
import { evaluate } from './evaluate.js';
import { readRuleFiles } from './load.js';

const base = { v: 1, tenant: 'acme', status: 'executed', kind: 'user', visibility: 'organization', ts: '2026-01-01T00:00:00.000Z' };
const cases: { name: string; span: Record<string, unknown>; expect: Record<string, unknown>; status?: string }[] = [
  { name: 'a payment above 10000 in workflow payments is rejected', span: { title: 'Pay supplier', workflow_id: 'payments', data: { amount: 20000 } },
    expect: { decision: 'reject', rejected_by: { rule: 'block-large-payments', reason: 'payments above 10000 need an approval' }, applied_rules: ['block-large-payments'] } },
  { name: 'a payment of 10000 exactly is allowed', span: { title: 'Pay supplier', workflow_id: 'payments', data: { amount: 10000 } },
    expect: { decision: 'allow', applied_rules: [] } },
  { name: 'a payment of 10000.01 is rejected', span: { title: 'Pay', workflow_id: 'payments', data: { amount: 10000.01 } },
    expect: { decision: 'reject' } },
  { name: 'a large amount in another workflow is allowed', span: { title: 'Invoice', workflow_id: 'billing', data: { amount: 20000 } },
    expect: { decision: 'allow', applied_rules: [] } },
  { name: 'an amount given as a string is not a number (no coercion)', span: { title: 'Pay', workflow_id: 'payments', data: { amount: '20000' } },
    expect: { decision: 'allow', applied_rules: [], errors: [] } },
  { name: 'a payment without data is allowed', span: { title: 'Pay', workflow_id: 'payments' },
    expect: { decision: 'allow', applied_rules: [], errors: [] } },
  { name: 'a Recibo is tagged receipt with category sales', span: { title: 'Recibo 0042', tags: ['shop'] },
    expect: { decision: 'allow', applied_rules: ['tag-receipts'], added_tags: ['receipt'], metadata_updates: { category: 'sales' } } },
  { name: 'a lower-case recibo is not (case-sensitive)', span: { title: 'recibo 0042' },
    expect: { decision: 'allow', applied_rules: [] } },
  { name: 'a draft is simulated', span: { title: 'Plan', tags: ['draft'] },
    expect: { decision: 'simulate', applied_rules: ['simulate-drafts'], notes: ['draft span recorded as simulated'] }, status: 'simulated' },
  { name: 'a draft Recibo is simulated and tagged', span: { title: 'Recibo 7', tags: ['draft'] },
    expect: { decision: 'simulate', applied_rules: ['simulate-drafts', 'tag-receipts'], added_tags: ['receipt'] }, status: 'simulated' },
  { name: 'a large draft payment is rejected before it is simulated', span: { title: 'Recibo', workflow_id: 'payments', tags: ['draft'], data: { amount: 50000 } },
    expect: { decision: 'reject', applied_rules: ['block-large-payments'], added_tags: [] } },
  { name: 'anything else passes untouched', span: { title: 'Deployed api' },
    expect: { decision: 'allow', applied_rules: [], added_tags: [], metadata_updates: {}, notes: [] } },
];

describe('the example policy (fixtures/policy-*.yaml)', async () => {
  const sets = {
    tree: await compileRules(await readRuleFiles(POLICY_FILES.tree)),
    cel: await compileRules(await readRuleFiles(POLICY_FILES.cel)),
  };

  it.each(cases)('$name', (c) => {
    const results = (['tree', 'cel'] as const).map((form) => evaluate(sets[form], { ...base, ...c.span }, 'admission'));
    for (const { outcome, span } of results) {
      expect(outcome).toMatchObject(c.expect);
      expect(span.status).toBe(c.status ?? 'executed');
    }
    const [tree, cel] = results;
    const { rule_set: _a, ...treeOutcome } = tree.outcome;
    const { rule_set: _b, ...celOutcome } = cel.outcome;
    expect(celOutcome).toEqual(treeOutcome);
    expect(cel.span).toEqual(tree.span);
  });

  it('tags and metadata land in the span', () => {
    const { span } = evaluate(sets.tree, { ...base, title: 'Recibo 1', tags: ['zeta', 'alpha'], metadata: { by: 'ana' } }, 'admission');
    expect(span.tags).toEqual(['alpha', 'receipt', 'zeta']);
    expect(span.metadata).toEqual({ by: 'ana', category: 'sales' });
  });
});

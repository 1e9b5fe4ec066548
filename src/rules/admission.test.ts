import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, initHome } from '../testing/cli.js';
import { POLICY_FILES } from '../testing/rules.js';

/**
 * The example policy of issue 6, both forms, on spans logged through the CLI: in-process and through the daemon.
 * Admission rules change the span before it is signed and keep their outcome beside it.
 */
for (const [form, file] of Object.entries(POLICY_FILES)) {
  describe(`admission rules written as ${form === 'cel' ? 'CEL' : 'a condition tree'}`, () => {
    let h: ReturnType<typeof initHome>;
    const run = (args: string[]) => cliAsync(['--home', h.home, ...args]);
    const ok = async (args: string[]) => {
      const r = await run(args);
      if (r.code !== 0) throw new Error(`logline ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const count = async () => (JSON.parse(await ok(['--json', 'tenant', 'list'])) as { spans: number }[])[0].spans;
    const outcomeOf = (id: string) => {
      const db = new Database(join(h.home, 'data', 'logline.db'), { readonly: true });
      try {
        const row = db.prepare('SELECT rule_set, outcome FROM span_outcomes WHERE id = ?').get(Buffer.from(id, 'hex')) as { rule_set: string; outcome: string } | undefined;
        return row && { ruleSet: row.rule_set, ...(JSON.parse(row.outcome) as { decision: string; applied_rules: string[]; rule_set: string }) };
      } finally {
        db.close();
      }
    };

    beforeAll(async () => {
      h = initHome('ada', 'acme');
      await ok(['rules', 'add', file]);
    });
    afterAll(async () => {
      await run(['node', 'stop']);
      h.cleanup();
    });

    const cases = async (via: string) => {
      const before = await count();
      const big = await run(['log', `pay the supplier (${via})`, '--workflow', 'payments', '--data', '{"amount":20000}']);
      expect(big.code).toBe(1);
      expect(big.stderr).toContain('RULE_REJECTED');
      expect(big.stderr).toContain('block-large-payments');
      expect(big.stderr).toContain('payments above 10000 need an approval');
      expect(await count()).toBe(before); // nothing stored

      const small = JSON.parse(await ok(['--json', 'log', `small payment (${via})`, '--workflow', 'payments', '--data', '{"amount":500}'])) as { status: string; tags?: string[] };
      expect(small.status).toBe('executed');
      expect(small.tags).toBeUndefined();
      // the same amount outside the payments workflow is fine
      expect((await run(['log', `big, not a payment (${via})`, '--workflow', 'other', '--data', '{"amount":20000}'])).code).toBe(0);

      const receipt = JSON.parse(await ok(['--json', 'log', `Recibo 42 (${via})`, '--tag', 'paper'])) as { id: string; tags: string[]; metadata: Record<string, unknown>; status: string };
      expect(receipt.tags).toEqual(['paper', 'receipt']);
      expect(receipt.metadata).toEqual({ category: 'sales' });
      expect(receipt.status).toBe('executed');
      const kept = outcomeOf(receipt.id);
      expect(kept).toMatchObject({ decision: 'allow', applied_rules: ['tag-receipts'] });
      expect(kept?.ruleSet).toMatch(/^[0-9a-f]{64}$/);

      const draft = JSON.parse(await ok(['--json', 'log', `half done (${via})`, '--tag', 'draft'])) as { id: string; status: string };
      expect(draft.status).toBe('simulated');
      expect(outcomeOf(draft.id)).toMatchObject({ decision: 'simulate', applied_rules: ['simulate-drafts'] });
      expect((await run(['verify'])).code).toBe(0); // what the rules changed was signed as changed
    };

    it('in-process', () => cases('no daemon'));

    it('through the daemon, and after a rule is disabled', async () => {
      await ok(['node', 'start']);
      await cases('daemon');
      await ok(['rules', 'disable', 'block-large-payments']);
      expect((await run(['log', 'pay now', '--workflow', 'payments', '--data', '{"amount":20000}'])).code).toBe(0);
    });
  });
}

describe('who may change the rules', () => {
  it('a member cannot put rules; rules by a non-manager replicated from elsewhere do not run', async () => {
    const h = initHome('own', 'acme');
    try {
      await cliAsync(['--home', h.home, 'id', 'create', '--handle', 'mem']);
      await cliAsync(['--home', h.home, 'member', 'add', 'mem', '--role', 'member']);
      const r = await cliAsync(['--home', h.home, 'rules', 'add', POLICY_FILES.tree], { env: { LOGLINE_IDENTITY: 'mem' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ROLE_FORBIDDEN');
      expect((await cliAsync(['--home', h.home, 'log', 'pay', '--workflow', 'payments', '--data', '{"amount":20000}'])).code).toBe(0);
    } finally {
      h.cleanup();
    }
  });
});

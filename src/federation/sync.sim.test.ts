/**
 * Replication under faults, in a deterministic simulated network (src/testing/simnet): real Homes and real
 * SyncSessions, frames delivered in an order a seeded PRNG picks. Each seed is one run; a failing run prints its
 * seed, which replays it exactly (`SIM_SEED=<seed> npx vitest run src/federation/sync.sim.test.ts`; with
 * `SIM_TRACE=<file>` the run's trace, step by step, is written there). `bench/sim-soak.mjs` runs thousands.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioOptions, type SimResult } from '../testing/simnet/scenario.js';

/** Seeds CI runs on every change: a bounded sample (each run takes well under a second). */
const CI_SEEDS = Number(process.env.SIM_SEEDS ?? 30);
const FIRST = Number(process.env.SIM_FIRST ?? 1);

function report(r: SimResult): string {
  return [`seed ${r.seed}: ${r.failures.length} failures`, ...r.failures.slice(0, 12), '--- last steps:', ...r.trace.slice(-25)].join('\n');
}

/** How many of the runs show each shape and fault (read from their plans, counts and traces). */
function coverage(runs: readonly SimResult[]): Record<string, number> {
  const count = (p: (r: SimResult) => boolean) => runs.filter(p).length;
  const traced = (re: RegExp) => count((r) => r.trace.some((l) => re.test(l)));
  return {
    '3 nodes': count((r) => r.counts.nodes === 3), '4 nodes': count((r) => r.counts.nodes === 4), '5 nodes': count((r) => r.counts.nodes === 5),
    'one tenant': count((r) => r.plan.length === 1), 'two tenants': count((r) => r.plan.length === 2),
    line: count((r) => r.plan.some((p) => p.shape === 'line' && p.members.length >= 3)), star: count((r) => r.plan.some((p) => p.shape === 'star' && p.members.length >= 3)),
    'trust one way only': count((r) => r.plan.some((p) => p.edges.some(([, , both]) => !both))),
    'a clock behind': traced(/^\d+ clocks .*:-\d/), 'a clock ahead': traced(/^\d+ clocks .*:[1-9]/), 'private writes': traced(/ write n\d \w+ p:/),
    partition: traced(/ partition /), heal: traced(/ heal$/), drop: traced(/ drop /), duplicate: traced(/ duplicate /), reorder: traced(/ reorder /),
    delay: traced(/ delay /), garbage: traced(/ garbage /), tamper: traced(/ tamper /), reset: traced(/ break #\d+ \(reset\)/), skew: traced(/ skew /),
    'restart mid-transfer': traced(/ restart n\d \([1-9]\d* frames in flight\)/), fork: count((r) => r.counts.forked),
  };
}

async function expectSound(seed: number, opts?: ScenarioOptions): Promise<SimResult> {
  const r = await runScenario(seed, opts);
  if (process.env.SIM_TRACE) writeFileSync(process.env.SIM_TRACE, `${r.trace.join('\n')}\n`);
  expect(r.failures, report(r)).toEqual([]);
  return r;
}

describe('sync in a simulated network with faults', () => {
  if (process.env.SIM_SEED !== undefined) {
    it(`seed ${process.env.SIM_SEED}`, async () => {
      await expectSound(Number(process.env.SIM_SEED), { lagging: process.env.SIM_LAGGING !== '0' });
    });
    return;
  }

  // Regression: an author forks at seq k, then goes on writing on one branch. A node holding the other branch
  // took the next span's CHAIN_BROKEN_PREV for a hostile peer and cut the session, at every reconnect, forever
  // (and the authors queued behind it never synced). Now it asks for the peer's span at k (fork evidence).
  it('a forking author that goes on writing on one branch cuts no session (clocks only ahead)', async () => {
    // the first seed whose run has that shape: a fixed seed's run changes whenever the code it drives does
    for (let seed = 1; seed <= 80; seed++) {
      const r = await runScenario(seed, { lagging: false });
      const fork = r.trace.findIndex((l) => / mallory forks /.test(l));
      if (fork < 0 || !r.trace.slice(fork).some((l) => / mallory writes /.test(l))) continue;
      expect(r.failures, report(r)).toEqual([]);
      return;
    }
    throw new Error('no seed in 1..80 forks and writes on: the scenario generator changed');
  });

  // Regression: a member whose clock lags the owner's signs spans dated before its member.added. Its node
  // admitted them (its role now) and every peer refused them (its role at the span's ts): the tenant never
  // converged. Found here on seed 1, fixed on main by the tenant gate (a writer now or at its ts counts).
  it('seed 1 with clocks that lag the owner\'s: every member\'s spans reach every peer', async () => {
    const r = await expectSound(1, { lagging: true });
    expect(r.trace.some((l) => / write n\d \w+ \d+:/.test(l))).toBe(true);
  });

  const runs: SimResult[] = [];
  for (let seed = FIRST; seed < FIRST + CI_SEEDS; seed++) {
    it(`seed ${seed} converges with every property held`, async () => {
      runs.push(await expectSound(seed));
    });
  }

  /** The CI seeds' runs: those of the seed tests above, made here when a test runs alone (`-t`). */
  const ciRuns = async (): Promise<readonly SimResult[]> => {
    if (runs.length === CI_SEEDS) return runs;
    const all: SimResult[] = [];
    for (let seed = FIRST; seed < FIRST + CI_SEEDS; seed++) all.push(await runScenario(seed));
    return all;
  };

  // The seeds above must exercise every fault and shape the issue names, or their passing proves little.
  it.skipIf(CI_SEEDS < 30)('the CI seeds cover 3–5 nodes, 1–2 tenants, lines and stars, one-way trust and every fault', async () => {
    const missing = Object.entries(coverage(await ciRuns())).filter(([, n]) => n === 0).map(([what]) => what);
    expect(missing).toEqual([]);
  });

  it('replays a seed exactly: the same trace and the same final frontiers, and another seed differs', async () => {
    // the run of the CI seeds with the most kinds of fault (a restart with frames in flight among them)
    const score = (r: SimResult) => Object.values(coverage([r])).filter((n) => n > 0).length;
    const first = [...await ciRuns()].sort((a, b) => score(b) - score(a) || a.seed - b.seed)[0];
    const again = await runScenario(first.seed);
    expect(again.trace.length).toBeGreaterThan(100);
    expect(again.trace).toEqual(first.trace);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.failures).toEqual(first.failures);
    expect((await runScenario(first.seed + 1)).fingerprint).not.toBe(first.fingerprint);
  });
});

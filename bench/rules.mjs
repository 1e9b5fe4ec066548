// Rule evaluation throughput: `evaluate(ruleSet, span, 'admission')` of 100 rules (condition trees of every
// kind, compiled once) over 100k spans, in process, from the compiled dist/ modules. Goal: ≥ 50k span
// evaluations/s. Baseline in the same run: the same 100 conditions written by hand as plain JavaScript
// closures over the span, with no outcome built (the floor of any interpreter of these rules). Reported
// alongside: the same set with 10 of its rules in CEL, a set of 100 CEL rules, and compile times.
//   node bench/rules.mjs [--n 100000] [--rules 100] [--runs 3] [--cel-n 2000]
import { createHash } from 'node:crypto';
import { compileRules } from '../dist/rules/compile.js';
import { evaluate } from '../dist/rules/evaluate.js';
import { parseRules } from '../dist/rules/load.js';
import { draft, fmtRate, fmtX, header, median, ms, now, opt, progress, rate, table } from './lib.mjs';

const N = opt('n', 100_000);
const RULES = opt('rules', 100);
const RUNS = opt('runs', 3);
const CEL_N = opt('cel-n', 2000);
const GOAL = 50_000;
const THINGS = ['api', 'web', 'billing', 'search', 'invoice', 'receipt', 'database', 'cache', 'pipeline', 'ticket'];

header('rules');

// --- spans: the benchmark drafts, as signed spans look (sorted tags, the fields signing adds) ----------------
const spans = [];
for (let i = 0; i < N; i++) {
  const d = draft(i, 'bench', { workflow_id: `wf-${i % 20}` });
  spans.push({ v: 1, author: 'did:key:z6MkBench', seq: i + 1, prev: null, ts: '2026-01-01T00:00:00.000Z', status: 'executed', kind: 'user', visibility: 'organization', ...d, tags: [...d.tags].sort() });
}

// --- rules: ten kinds of condition tree, ten variants each; actions that change the span now and then ------
/** Rule k as a condition tree, as CEL, and as a hand-written closure (the baseline), all equivalent. */
function rule(k) {
  const v = Math.floor(k / 10) % 10;
  const id = `r${String(k).padStart(3, '0')}`;
  const wf = `wf-${v}`, team = `team-${v % 7}`, flag = `flag${v}`, sha = (0x1000 * (v + 1)).toString(16).padStart(8, '0');
  switch (k % 10) {
    case 0: return { id, tree: { type: 'equals', field: 'workflow_id', value: `wf-${v}` }, cel: `span.workflow_id == "wf-${v}"`,
      js: (s) => s.workflow_id === wf, actions: [{ type: 'add_tag', tag: `wf${v}` }] };
    case 1: return { id, tree: { type: 'contains_text', field: 'title', text: THINGS[v] }, cel: `span.title.contains("${THINGS[v]}")`,
      js: (s) => typeof s.title === 'string' && s.title.includes(THINGS[v]), actions: [{ type: 'note', message: THINGS[v] }] };
    case 2: return { id, tree: { type: 'all', conditions: [{ type: 'contains_tag', tag: `team-${v % 7}` }, { type: 'greater_than', field: 'data.ms', value: 4000 + v * 50 }] },
      cel: `"team-${v % 7}" in span.tags && span.data.ms > ${4000 + v * 50}`,
      js: (s) => s.tags.includes(team) && typeof s.data?.ms === 'number' && s.data.ms > 4000 + v * 50, actions: [{ type: 'set_metadata', key: `slow${v}`, value: true }] };
    case 3: return { id, tree: { type: 'any', conditions: [{ type: 'equals', field: 'data.ok', value: false }, { type: 'less_than', field: 'data.ms', value: v * 10 }] },
      cel: `span.data.ok == false || span.data.ms < ${v * 10}`,
      js: (s) => s.data?.ok === false || (typeof s.data?.ms === 'number' && s.data.ms < v * 10), actions: [{ type: 'note', message: 'failed or fast' }] };
    case 4: return { id, tree: { type: 'all', conditions: [{ type: 'missing', field: `data.flag${v}` }, { type: 'contains_text', field: 'title', text: 'rolled back' }] },
      cel: `!has(span.data.flag${v}) && span.title.contains("rolled back")`,
      js: (s) => s.data?.[flag] === undefined && s.title.includes('rolled back'), actions: [{ type: 'add_tag', tag: 'rollback' }] };
    case 5: return { id, tree: { type: 'equals', field: 'data.sha', value: (0x1000 * (v + 1)).toString(16).padStart(8, '0') },
      cel: `span.data.sha == "${(0x1000 * (v + 1)).toString(16).padStart(8, '0')}"`,
      js: (s) => s.data?.sha === sha, actions: [{ type: 'reject', reason: 'known bad sha' }] };
    case 6: return { id, tree: { type: 'not', condition: { type: 'less_than', field: 'data.n', value: 1e9 - v } }, cel: `!(span.data.n < ${1e9 - v})`,
      js: (s) => !(typeof s.data?.n === 'number' && s.data.n < 1e9 - v), actions: [{ type: 'note', message: 'huge n' }] };
    case 7: return { id, tree: { type: 'all', conditions: [{ type: 'not_equals', field: 'data.ok', value: true }, { type: 'contains_tag', tag: 'common' }] },
      cel: `span.data.ok != true && "common" in span.tags`,
      js: (s) => s.data?.ok !== true && s.tags.includes('common'), actions: [{ type: 'simulate', note: 'common failure' }] };
    case 8: return { id, tree: { type: 'all', conditions: [{ type: 'contains_tag', tag: 'rare' }, { type: 'greater_than', field: 'data.ms', value: 2500 + v * 200 }] },
      cel: `"rare" in span.tags && span.data.ms > ${2500 + v * 200}`,
      js: (s) => s.tags.includes('rare') && typeof s.data?.ms === 'number' && s.data.ms > 2500 + v * 200, actions: [{ type: 'reject', reason: 'rare and slow' }] };
    default: return { id, tree: { type: 'all', conditions: [{ type: 'equals', field: 'tags.0', value: 'bench' }, { type: 'less_than', field: 'data.ms', value: 20 + v }] },
      cel: `span.tags[0] == "bench" && span.data.ms < ${20 + v}`,
      js: (s) => s.tags[0] === 'bench' && typeof s.data?.ms === 'number' && s.data.ms < 20 + v, actions: [{ type: 'add_tag', tag: 'fast' }] };
  }
}
const defs = Array.from({ length: RULES }, (_, k) => rule(k));
const docs = (celEvery) => defs.map((d, k) => ({ id: d.id, priority: 10 * (k % 7), ...(celEvery && k % celEvery === 0 ? { when: d.cel } : { condition: d.tree }), actions: d.actions }));

async function compiled(celEvery) {
  const t0 = now();
  const set = await compileRules(await parseRules(JSON.stringify(docs(celEvery)), { file: 'bench.json' }, 'json'));
  return { set, compileMs: ms(t0) };
}

/** Evaluates `count` spans (cycling) per run; the median of RUNS runs as span evaluations per second. */
function measure(set, count) {
  // warm-up: the generated condition functions are optimized after some calls
  for (let i = 0; i < Math.min(count, 5000); i++) evaluate(set, spans[i % N], 'admission');
  const rates = [];
  let summary;
  for (let r = 0; r < RUNS; r++) {
    const decisions = { allow: 0, simulate: 0, reject: 0 };
    let applied = 0;
    let errors = 0;
    const t0 = now();
    for (let i = 0; i < count; i++) {
      const { outcome } = evaluate(set, spans[i % N], 'admission');
      decisions[outcome.decision]++;
      applied += outcome.applied_rules.length;
      errors += outcome.errors.length;
    }
    rates.push(count / (ms(t0) / 1000));
    summary = { decisions, applied, errors };
  }
  return { rate: median(rates), summary };
}

// --- the goal: 100 condition-tree rules × 100k spans -------------------------------------------------------
progress(`compiling ${RULES} rules`);
const tree = await compiled(0);
progress(`evaluating ${N} spans × ${RULES} rules, ${RUNS} runs`);
const treeRun = measure(tree.set, N);

// --- baseline: the same conditions as hand-written closures, run in the same (priority, id) order ----------
const order = docs(0).map((d, k) => ({ ...d, js: defs[k].js })).sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
const preds = order.map((d) => d.js);
const baseRates = [];
let baseMatches = 0;
for (let r = -1; r < RUNS; r++) { // run -1 warms up
  let matched = 0;
  const t0 = now();
  for (let i = 0; i < N; i++) {
    const s = spans[i];
    for (let j = 0; j < preds.length; j++) if (preds[j](s)) matched++;
  }
  if (r >= 0) baseRates.push(N / (ms(t0) / 1000));
  baseMatches = matched;
}
const baseRate = median(baseRates);

// --- reported alongside: some CEL, all CEL ------------------------------------------------------------------
progress('the same with 10% of the rules in CEL');
const mixed = await compiled(10);
const mixedRun = measure(mixed.set, N);
progress(`all ${RULES} rules in CEL over ${CEL_N} spans`);
const cel = await compiled(1);
const celRun = measure(cel.set, CEL_N);

// how busy the machine is: STACK.md measured ~450k/s for this on an idle core
const body = Buffer.alloc(350, 1);
const shaRate = rate(() => createHash('sha256').update(body).digest(), { minMs: 500 });

const s = treeRun.summary;
table(`rules: ${RULES} rules × ${N.toLocaleString('en-US')} spans (median of ${RUNS} runs)`, [
  { what: `evaluate, ${RULES} condition-tree rules`, figure: fmtRate(treeRun.rate), goal: `≥ ${fmtRate(GOAL)}`, ok: treeRun.rate >= GOAL, ratio: `${fmtX(treeRun.rate / GOAL)} goal, ${fmtX(treeRun.rate / baseRate)} baseline` },
  { what: 'baseline: the same conditions hand-written in JS', figure: fmtRate(baseRate), ratio: 'baseline' },
  { what: `evaluate, ${RULES / 10} of the ${RULES} rules in CEL`, figure: fmtRate(mixedRun.rate), ratio: `${fmtX(mixedRun.rate / GOAL)} goal` },
  { what: `evaluate, all ${RULES} rules in CEL (${CEL_N.toLocaleString('en-US')} spans)`, figure: fmtRate(celRun.rate), ratio: `${fmtX(celRun.rate / GOAL)} goal` },
], [
  `rule evaluations: ${fmtRate(treeRun.rate * RULES)} (tree), ${fmtRate(celRun.rate * RULES)} (CEL)`,
  `outcomes per pass (tree): allow ${s.decisions.allow}, simulate ${s.decisions.simulate}, reject ${s.decisions.reject}; ${(s.applied / N).toFixed(2)} rules applied per span; hand-written matches ${(baseMatches / N).toFixed(2)} per span (no early stop at reject)`,
  `tree and mixed sets agree: ${JSON.stringify(mixedRun.summary.decisions) === JSON.stringify(s.decisions) ? 'yes' : `NO ${JSON.stringify(mixedRun.summary.decisions)}`}; CEL evaluation errors: ${mixedRun.summary.errors + celRun.summary.errors}`,
  `machine: sha256 of 350 bytes ${fmtRate(shaRate)} (STACK.md: ~450k/s on an idle core; scale the figures by the ratio when the machine is busy)`,
  `compile ${RULES} rules: ${tree.compileMs.toFixed(1)} ms (tree), ${mixed.compileMs.toFixed(1)} ms (10% CEL, loads @bufbuild/cel), ${cel.compileMs.toFixed(1)} ms (all CEL)`,
]);

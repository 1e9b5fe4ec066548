// Runs the benchmarks in sequence, each in its own process (so none warms up another's caches or JIT).
//   node bench/run.mjs                    all of them
//   node bench/run.mjs query --n 100000   one (or several names), flags passed through
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const ALL = ['cold-start', 'append', 'import-verify', 'query', 'rules', 'daemon', 'daemon-rss', 'daemon-load', 'federation', 'backup', 'tasks', 'fuzz', 'sim-soak'];
const args = process.argv.slice(2);
const names = args.filter((a) => ALL.includes(a));
const unknown = args.filter((a, i) => !a.startsWith('-') && !ALL.includes(a) && !(i > 0 && args[i - 1].startsWith('--') && !args[i - 1].includes('=')));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; one of: ${ALL.join(', ')}`);
  process.exit(2);
}
const pass = args.filter((a) => !ALL.includes(a));
let failed = 0;
for (const name of names.length ? names : ALL) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', `${name}.mjs`), ...pass], { stdio: 'inherit' });
  console.log(`  (${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s${r.status === 0 ? '' : `, exited ${r.status ?? r.signal}`})\n`);
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;

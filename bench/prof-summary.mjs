// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time per function, self time per file.
//   node --cpu-prof --cpu-prof-dir=bench/out/prof bin/logline --home H log x
//   node bench/prof-summary.mjs bench/out/prof/CPU.*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT, opt } from './lib.mjs';

const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--top');
const TOP = opt('top', 25);
if (files.length === 0) {
  console.error('usage: node bench/prof-summary.mjs FILE.cpuprofile... [--top N]');
  process.exit(2);
}

const short = (url) => {
  if (!url) return '(native/vm)';
  const path = url.replace(/^file:\/\//, '');
  if (path.includes('/node_modules/')) return `npm:${path.split('/node_modules/').pop().split('/').slice(0, path.includes('/node_modules/@') ? 2 : 1).join('/')}`;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
};

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  const self = new Map();
  const incl = new Map();
  const perFile = new Map();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const n = byId.get(id);
    self.set(label(n), (self.get(label(n)) ?? 0) + dt);
    const f = n.callFrame.url ? short(n.callFrame.url) : n.callFrame.functionName || '(native)';
    perFile.set(f, (perFile.get(f) ?? 0) + dt);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur));
      if (!seen.has(l)) { seen.add(l); incl.set(l, (incl.get(l) ?? 0) + dt); }
    }
  });
  const show = (title, map) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
      console.log(`${v.toFixed(1).padStart(9)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    }
  };
  console.log(`# ${file}: ${total.toFixed(0)} ms sampled`);
  show('self time by file / package', perFile);
  show('self time by function', self);
  show('inclusive time by function', incl);
}

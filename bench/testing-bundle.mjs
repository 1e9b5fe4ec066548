// The test harness (src/testing/) is not part of dist/: the fuzz and soak benchmarks bundle the modules they
// need with esbuild (a dev dependency) into bench/out/, packages left external, and import the bundle.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUT, ROOT } from './lib.mjs';

/** Bundles `src/<entry>.ts` and imports it. */
export async function importTesting(entry) {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, `${entry.replaceAll('/', '-')}.mjs`);
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), [join(ROOT, 'src', `${entry}.ts`), '--bundle', '--platform=node', '--format=esm',
    '--target=node20', '--packages=external', `--outfile=${outfile}`, '--log-level=warning'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`esbuild failed on src/${entry}.ts`);
  return import(pathToFileURL(outfile).href);
}

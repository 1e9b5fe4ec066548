#!/usr/bin/env node
// Writes completions/ and man/ from the command tree and the config table, and lists the man pages in
// package.json "man". Runs the compiled code: `npm run generate` builds first. src/cli/generate/generate.test.ts
// fails when what is committed differs from what this writes.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli/program.js';
import { generatedFiles, manList } from '../dist/cli/generate/index.js';

const root = new URL('../', import.meta.url);
const files = generatedFiles(await buildProgram());
for (const dir of ['man', 'completions']) {
  for (const name of readdirSync(new URL(`${dir}/`, root))) {
    if (name !== 'README.md' && !(`${dir}/${name}` in files)) rmSync(new URL(`${dir}/${name}`, root)); // a command that went away
  }
}
for (const [path, text] of Object.entries(files)) writeFileSync(new URL(path, root), text);
const pkgUrl = new URL('package.json', root);
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8'));
pkg.man = manList(files);
writeFileSync(pkgUrl, `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`wrote ${Object.keys(files).length} files`);

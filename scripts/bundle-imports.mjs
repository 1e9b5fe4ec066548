// Post-processes the CLI bundle (package.json "bundle"): bin/logline compiles it with V8's code cache through
// node:vm, where a bare `import()` has no loader (Node 20 loses the callback of cached scripts). Every dynamic
// import() left in the bundle — the external packages (libp2p, yaml, CEL), node built-ins and the ink views —
// goes through `__loglineImport`, which bin/logline defines as its own import(): specifiers resolve from the
// package as before. Loaded any other way (plain require), the bundle falls back to import() itself. Node
// built-ins are the exception: `import('node:x')` becomes `Promise.resolve(require('node:x'))` (same exports).
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const source = readFileSync(file, 'utf8');
let count = 0;
// a built-in is required, not imported: its lazy import() would start the ESM loader for it (~8 ms per start)
const rewritten = source
  .replace(/(?<![\w$.])import\((["'])(node:[\w/]+)\1\)/g, (_, q, name) => {
    count++;
    return `Promise.resolve(require(${q}${name}${q}))`;
  })
  .replace(/(?<![\w$.])import\(/g, () => {
    count++;
    return '__loglineImport(';
  });
if (count === 0) throw new Error(`no dynamic import() in ${file}: has the bundle changed shape?`);
const [first, ...rest] = rewritten.split('\n');
// after the first line (esbuild's banner), before any module code
const prelude = 'var __loglineImport = globalThis.__loglineImport || ((specifier) => import(specifier));';
writeFileSync(file, [first, prelude, ...rest].join('\n'));

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const STATIC_IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Every package a compiled module reaches through static imports (dynamic `import()` is lazy by design). */
function staticPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

describe('startup cost', () => {
  it('`logline log` loads neither libp2p nor ink: the CLI entry reaches them only lazily', () => {
    expect(existsSync(`${DIST}main.js`)).toBe(true);
    const packages = [...staticPackages(`${DIST}main.js`)];
    expect(packages).toContain('commander');
    expect(packages.filter((p) => /libp2p|^ink|^react|@chainsafe/.test(p))).toEqual([]);
  });

  it('rule files and CEL are parsed by modules loaded only when a command needs them (yaml, @bufbuild/cel)', () => {
    const packages = [...staticPackages(`${DIST}main.js`)];
    expect(packages.filter((p) => /^yaml$|^@bufbuild\//.test(p))).toEqual([]);
    const bundle = readFileSync(`${DIST}cli-bundle/main.cjs`, 'utf8');
    expect(bundle.match(/node_modules\/(?:yaml|@bufbuild)\//g)).toBeNull();
    expect(bundle.match(/require\("(?:yaml|@bufbuild\/[^"]+)"\)/g)).toBeNull();
    expect(bundle).toContain('__loglineImport("@bufbuild/cel")'); // the bundle's import() (scripts/bundle-imports.mjs)
  });

  it('the bundled CLI that bin/logline runs reaches libp2p, ink and react only through dynamic import()', () => {
    const bundle = readFileSync(`${DIST}cli-bundle/main.cjs`, 'utf8');
    expect(bundle).toContain('node_modules/commander/');
    expect(bundle.match(/node_modules\/(?:ink|react|libp2p|@libp2p|@chainsafe)\//g)).toBeNull();
    // a require() would load them at start; only `import("…")` inside functions that start a node may name them
    // (rewritten to the bin's import(), `__loglineImport`, by scripts/bundle-imports.mjs)
    expect(bundle.match(/require\("(?:libp2p|@libp2p\/[^"]+|@chainsafe\/[^"]+|@multiformats\/[^"]+|ink|react)"\)/g)).toBeNull();
    expect(bundle).toContain('__loglineImport("libp2p")');
    expect(bundle.match(/(?<![\w$.])import\(/g)).toEqual(['import(']); // only the fallback of the prelude
  });

  it('the live views (ink) are compiled modules beside the bundle, loaded by path only by tail -f and top', () => {
    const bundle = readFileSync(`${DIST}cli-bundle/main.cjs`, 'utf8');
    for (const view of ['tail', 'top']) {
      expect([...staticPackages(`${DIST}ui/${view}.js`)]).toEqual(expect.arrayContaining(['ink', 'react']));
    }
    expect(bundle).not.toMatch(/function runTail|function runTop/); // the views' code is not in the bundle
    expect(bundle).toContain('"dist", "ui"');
  });
});

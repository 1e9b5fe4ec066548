import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config/config.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { PluginSource } from './registry.js';

/** Where one plugin comes from, and the specifier `import()` takes (a file URL, or a package name). */
export interface PluginEntry extends PluginSource {
  specifier: string;
  /** Set when the entry cannot be loaded at all (a path that does not exist). */
  missing?: string;
}

/** The package's first-party plugins: every `plugins/<name>/index.js`, in name order. */
export function firstPartyPlugins(root = join(PACKAGE_ROOT, 'plugins')): PluginEntry[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'index.js')))
    .map((d) => d.name)
    .sort()
    .map((name) => fileEntry(join(root, name, 'index.js'), 'first-party'));
}

/**
 * The user plugins named by the config key `plugins` (comma-separated), in that order: a path (absolute, or
 * relative to the config file's folder; a folder means its package.json `main` or its index.js), or a package
 * name, imported as the logline package would import it (a package installed beside logline).
 */
export function configuredPlugins(config: Config, configFile: string): PluginEntry[] {
  const list = String(config.get('plugins') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return list.map((item) => {
    if (!isPath(item)) return packageEntry(item);
    const path = isAbsolute(item) ? item : resolve(dirname(configFile), item);
    if (!existsSync(path)) return { ...fileEntry(path, 'config'), missing: `${path} does not exist` };
    return fileEntry(statSync(path).isDirectory() ? folderMain(path) : path, 'config');
  });
}

function isPath(item: string): boolean {
  return isAbsolute(item) || item.startsWith('.') || /\.[cm]?js$/.test(item);
}

function fileEntry(file: string, origin: PluginSource['origin']): PluginEntry {
  return { source: file, origin, specifier: pathToFileURL(file).href };
}

function packageEntry(name: string): PluginEntry {
  let source = name;
  try {
    source = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve(name);
  } catch {
    // an ESM-only package without a require condition: import() resolves it all the same
  }
  return { source, origin: 'config', specifier: name };
}

function folderMain(dir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: unknown };
    if (typeof pkg.main === 'string') return join(dir, pkg.main);
  } catch {
    // no package.json: its index.js
  }
  return join(dir, 'index.js');
}

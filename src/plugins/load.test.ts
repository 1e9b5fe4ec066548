import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { tempDir } from '../testing/cli.js';
import { loadPlugins } from './load.js';

describe('loading plugins', () => {
  const dir = tempDir('logline-load-');
  afterAll(() => dir.cleanup());
  const entry = (name: string, text: string) => {
    const source = join(dir.dir, name);
    writeFileSync(source, text);
    return { source, origin: 'config' as const, specifier: pathToFileURL(source).href };
  };

  it('skips a plugin whose register never returns, and one that rejects after the wait, and loads the next', async () => {
    const config = loadConfig(join(dir.dir, 'config.toml'), {}, {});
    const entries = [
      entry('hangs.mjs', "export default { name: 'hangs', register() { return new Promise(() => {}); } };"),
      entry('late.mjs', `let said;
export const rejected = new Promise((r) => { said = r; });
export default { name: 'late', register() { return new Promise((_, reject) => setTimeout(() => { reject(new Error('too late')); said(); }, 200)); } };`),
      entry('fine.mjs', "export default { name: 'fine', register(host) { host.spanSink({ name: 'nothing', write() {} }); } };"),
    ];
    const set = await loadPlugins({ config, configFile: join(dir.dir, 'config.toml'), entries, registerTimeoutMs: 100 });
    expect(set.failures.map((f) => [f.plugin, f.code, f.message])).toEqual([
      ['hangs', 'PLUGIN_REGISTER_TIMEOUT', `the plugin hangs (${entries[0].source}): register(host) did not return within 0.1 s`],
      ['late', 'PLUGIN_REGISTER_TIMEOUT', `the plugin late (${entries[1].source}): register(host) did not return within 0.1 s`],
    ]);
    expect(set.plugins.map((p) => p.name)).toEqual(['fine']);
    // the late rejection comes after the wait: handled by the race (vitest fails a test on an unhandled one)
    await ((await import(entries[1].specifier)) as { rejected: Promise<void> }).rejected;
    await new Promise((r) => setImmediate(r));
  });
});

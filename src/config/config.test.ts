import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { loadConfig } from './config.js';
import { CONFIG } from './definitions.js';

describe('layered config: flag > env > file > default', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());
  const file = (text: string) => {
    const t = tempDir();
    cleanup = t.cleanup;
    const path = join(t.dir, 'config.toml');
    writeFileSync(path, text);
    return path;
  };

  it('takes each key from the highest layer that sets it, and says which', () => {
    const path = file('tenant = "from-file"\ntoken_rate = 7\nmdns = true\n');
    const c = loadConfig(path, { tenant: 'from-flag' }, { LOGLINE_TENANT: 'from-env', LOGLINE_TOKEN_RATE: '9' });
    expect([c.get('tenant'), c.origin('tenant')]).toEqual(['from-flag', 'flag']);
    expect([c.get('token_rate'), c.origin('token_rate')]).toEqual([9, 'env']);
    expect([c.get('mdns'), c.origin('mdns')]).toEqual([true, 'file']);
    expect([c.get('daemon'), c.origin('daemon')]).toEqual([true, 'default']);
    expect(c.fileValues).toEqual({ tenant: 'from-file', token_rate: 7, mdns: true });
    expect(['tenant', 'token_rate', 'mdns', 'daemon'].map((k) => c.source(k))).toEqual(['the flag --tenant', 'the environment variable LOGLINE_TOKEN_RATE', `the config file ${path}`, 'the default']);
  });

  it('an empty env var counts as unset', () => {
    const c = loadConfig(file('token_rate = 7\n'), {}, { LOGLINE_TOKEN_RATE: '' });
    expect(c.origin('token_rate')).toBe('file');
  });

  it('names the key and the source of an invalid value: the file, the env var or the flag', () => {
    const path = file('token_rate = "fast"\n');
    expect(() => loadConfig(path, {}, {})).toThrow(`token_rate from the config file ${path} is not a number: "fast"`);
    const ok = file('');
    expect(() => loadConfig(ok, {}, { LOGLINE_DAEMON: 'yes' })).toThrow('daemon from the environment variable LOGLINE_DAEMON is not a boolean: "yes"');
    expect(() => loadConfig(ok, {}, { LOGLINE_TOKEN_BODY_LIMIT: '10' })).toThrow('token_body_limit from the environment variable LOGLINE_TOKEN_BODY_LIMIT: must be an integer of at least 1024');
    expect(() => loadConfig(ok, { token_rate: 'x' }, {})).toThrow('token_rate from the flag --token_rate is not a number');
    expect(() => loadConfig(ok, { http: 8080 }, {})).toThrow('http from the flag node start --http is not a string');
  });

  it('refuses unknown keys and bad TOML in the file, naming the file', () => {
    const unknown = file('colour = "red"\n');
    expect(() => loadConfig(unknown, {}, {})).toThrow(`unknown key "colour" in the config file ${unknown}`);
    const bad = file('tenant = \n');
    expect(() => loadConfig(bad, {}, {})).toThrow(`the config file ${bad} is not valid TOML`);
  });

  it('every definition has a LOGLINE_ env twin, a description and a default of its type', () => {
    for (const d of CONFIG) {
      expect(d.env).toBe(`LOGLINE_${d.name.toUpperCase()}`);
      expect(d.description.length).toBeGreaterThan(10);
      if (d.default !== null) expect(typeof d.default).toBe(d.type);
    }
  });
});

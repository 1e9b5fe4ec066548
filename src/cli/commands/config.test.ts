import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initHome } from '../../testing/cli.js';

describe('logline config get|set|unset|list', () => {
  let h: ReturnType<typeof initHome>;
  let configFile: string;
  beforeAll(() => {
    h = initHome('dan', 'acme');
    configFile = join(h.home, 'config', 'config.toml');
  });
  afterAll(() => h.cleanup());

  it('sets a value in the file, checked against its type, and gets it back', () => {
    const set = h.run(['config', 'set', 'token_rate', '25']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('token_rate = 25\n');
    expect(readFileSync(configFile, 'utf8')).toMatch(/^token_rate = 25$/m);
    expect(h.run(['config', 'get', 'token_rate']).stdout).toBe('25\n');
    expect(JSON.parse(h.run(['config', 'get', 'token_rate', '--json']).stdout)).toMatchObject({ key: 'token_rate', value: 25, origin: 'file', source: `file:${configFile}` });
  });

  it('lists every key; --show-origin tells flag, env, file or default', () => {
    const r = h.run(['--tenant', 'other', 'config', 'list', '--show-origin'], { env: { LOGLINE_MDNS: 'true' } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(`file:${configFile}  token_rate = 25`);
    expect(lines.find((l) => l.includes('tenant ='))).toMatch(/^flag:--tenant +tenant = "other"$/);
    expect(lines.find((l) => l.includes('mdns ='))).toMatch(/^env:LOGLINE_MDNS +mdns = true$/);
    expect(lines.find((l) => l.includes('daemon ='))).toMatch(/^default +daemon = true$/);
    const json = JSON.parse(h.run(['config', 'list', '--json']).stdout) as { key: string; origin: string }[];
    expect(json.map((e) => e.key)).toEqual(['identity', 'tenant', 'daemon', 'http', 'listen', 'bootstrap', 'mdns', 'token_rate', 'token_body_limit', 'task_concurrency', 'task_exec_tenants', 'plugins']);
  });

  it('refuses a value of the wrong type with a usage error naming the key and the source', () => {
    const r = h.run(['config', 'set', 'daemon', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID: daemon from the command line is not a boolean: "maybe"');
    const low = h.run(['config', 'set', 'token_body_limit', '12']);
    expect(low.stderr).toContain('token_body_limit from the command line: must be an integer of at least 1024');
    expect(h.run(['config', 'set', 'colour', 'red']).code).toBe(2);
  });

  it('names the env var or the file that holds an invalid value, and set/unset can still fix the file', () => {
    const env = h.run(['log', 'x'], { env: { LOGLINE_TOKEN_RATE: 'fast' } });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('token_rate from the environment variable LOGLINE_TOKEN_RATE is not a number: "fast"');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('token_rate = 25', 'token_rate = "fast"'));
    const file = h.run(['config', 'list']);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`token_rate from the config file ${configFile} is not a number`);
    expect(h.run(['config', 'unset', 'token_rate']).stdout).toBe('unset token_rate\n');
    expect(JSON.parse(h.run(['config', 'get', 'token_rate', '--json']).stdout)).toMatchObject({ value: 100, origin: 'default' });
  });

  it('node start refuses an address that is not host:port or not a multiaddr, naming the key and its source, before it starts', () => {
    const flag = h.run(['node', 'start', '--listen', 'nonsense']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('CONFIG_INVALID: listen from the flag --listen: "nonsense" is not a multiaddr');
    const env = h.run(['node', 'start'], { env: { LOGLINE_LISTEN: '/ip4/127.0.0.1/tcpx/1' } });
    expect(env.stderr).toContain('CONFIG_INVALID: listen from the environment variable LOGLINE_LISTEN: "/ip4/127.0.0.1/tcpx/1" is not a multiaddr');
    expect(h.run(['config', 'set', 'bootstrap', '/ip4/127.0.0.1/tcp/4141']).code).toBe(0);
    const file = h.run(['node', 'start']);
    expect(file.stderr).toContain(`CONFIG_INVALID: bootstrap from the config file ${configFile}: "/ip4/127.0.0.1/tcp/4141" does not end in /p2p/<peer id>`);
    h.run(['config', 'unset', 'bootstrap']);
    const http = h.run(['node', 'restart', '--http', 'nope']);
    expect(http.stderr).toContain('CONFIG_INVALID: http from the flag --http: "nope" is not host:port');
    expect(h.run(['node', 'status']).stdout).toBe('stopped\n');
  });

  it('warns when the environment overrides the value just set', () => {
    const r = h.run(['config', 'set', 'mdns', 'true'], { env: { LOGLINE_MDNS: 'false' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('LOGLINE_MDNS is set in this environment and overrides the file');
  });

  it('its help lists the keys from the definitions table', () => {
    const r = h.run(['config', '--help']);
    expect(r.stdout).toMatch(/token_body_limit +number, env LOGLINE_TOKEN_BODY_LIMIT, default 1048576/);
  });
});

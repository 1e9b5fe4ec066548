import { homedir, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/** Every path the node uses, in one place (after Syncthing). */
export interface Paths {
  /** Set when `--home`/`LOGLINE_HOME` chose one folder for everything. */
  home: string | null;
  config: string;
  data: string;
  state: string;
  runtime: string;
  configFile: string;
  keys: string;
  db: string;
  log: string;
  socket: string;
  lock: string;
}

export interface PathsInit {
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/** XDG base directories, or one folder with `config/ data/ state/ run/` when a home is given. */
export function resolvePaths(init: PathsInit = {}): Paths {
  const env = init.env ?? process.env;
  const home = init.home ?? (env.LOGLINE_HOME || undefined);
  let dirs: Pick<Paths, 'config' | 'data' | 'state' | 'runtime'>;
  if (home !== undefined) {
    const root = resolve(home);
    dirs = { config: join(root, 'config'), data: join(root, 'data'), state: join(root, 'state'), runtime: join(root, 'run') };
  } else {
    const user = homedir();
    const xdg = (name: string, fallback: string) => join(env[name] || join(user, fallback), 'logline');
    dirs = {
      config: xdg('XDG_CONFIG_HOME', '.config'),
      data: xdg('XDG_DATA_HOME', '.local/share'),
      state: xdg('XDG_STATE_HOME', '.local/state'),
      runtime: env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'logline') : join(tmpdir(), `logline-${userInfo().uid}`),
    };
  }
  return {
    home: home === undefined ? null : resolve(home),
    ...dirs,
    configFile: join(dirs.config, 'config.toml'),
    keys: join(dirs.config, 'keys'),
    db: join(dirs.data, 'logline.db'),
    log: join(dirs.state, 'node.log'),
    socket: join(dirs.runtime, 'node.sock'),
    lock: join(dirs.runtime, 'node.lock'),
  };
}

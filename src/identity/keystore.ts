import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoglineError } from '../errors/errors.js';
import { peerIdFromDid } from './did-key.js';
import { signerFromSeed, type Signer } from './ed25519.js';
import { seal, unseal } from './sealed.js';

const HANDLE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** What a key file says about itself, readable without the passphrase. Never holds key material. */
export interface IdentityInfo {
  handle: string;
  did: string;
  peerId: string;
  encrypted: boolean;
  /** The node key is also the node's libp2p identity. */
  node: boolean;
  created: string;
}

interface KeyFile {
  v: 1;
  type: 'ed25519';
  handle: string;
  did: string;
  node: boolean;
  created: string;
  seed?: string;
  scrypt?: { salt: string; N: number; r: number; p: number };
  aead?: { alg: 'aes-256-gcm'; iv: string; ct: string; tag: string };
}

export function isHandle(value: string): boolean {
  return HANDLE.test(value);
}

/** Key files under the config dir, one per identity, mode 0600 in a 0700 folder. */
export class Keystore {
  readonly dir: string;
  private readonly signers = new Map<string, Signer>();
  private listed: { stamp: bigint; list: IdentityInfo[] } | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  private file(handle: string): string {
    return join(this.dir, `${handle}.key`);
  }

  /**
   * The identities of this home. Read again only when the folder changed (a key file is created, restored or
   * removed, by this process or another): a daemon asks for its default identity on every append.
   */
  list(): IdentityInfo[] {
    let stamp: bigint;
    try {
      stamp = statSync(this.dir, { bigint: true }).mtimeNs;
    } catch {
      return [];
    }
    if (this.listed?.stamp !== stamp) {
      this.listed = { stamp, list: readdirSync(this.dir).filter((f) => f.endsWith('.key')).sort().map((f) => info(this.read(f.slice(0, -4)))) };
    }
    return [...this.listed.list];
  }

  has(handle: string): boolean {
    return existsSync(this.file(handle));
  }

  get(handle: string): IdentityInfo {
    return info(this.read(handle));
  }

  /** Creates a new ed25519 identity; with a passphrase the seed is sealed with scrypt + AES-256-GCM. */
  create(handle: string, opts: { passphrase?: string; node?: boolean; seed?: Uint8Array } = {}): IdentityInfo {
    if (!isHandle(handle)) throw LoglineError.usage('BAD_HANDLE', `"${handle}" is not a valid handle`, 'a handle is 1–64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
    if (this.has(handle)) throw new LoglineError('IDENTITY_EXISTS', `an identity with handle "${handle}" already exists`, { hint: 'choose another handle, or `logline id list`' });
    const seed = opts.seed ?? randomBytes(32);
    const signer = signerFromSeed(seed);
    const file: KeyFile = { v: 1, type: 'ed25519', handle, did: signer.did, node: opts.node ?? false, created: new Date().toISOString() };
    if (opts.passphrase !== undefined) Object.assign(file, seal(seed, opts.passphrase, file.did));
    else file.seed = Buffer.from(seed).toString('hex');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const tmp = `${this.file(handle)}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, this.file(handle));
    this.signers.set(handle, signer);
    return info(file);
  }

  /** The signer of an identity, unlocking its key file with the passphrase when it is sealed. */
  signer(handle: string, passphrase?: string): Signer {
    const cached = this.signers.get(handle);
    if (cached) return cached;
    const file = this.read(handle);
    const signer = signerFromSeed(file.seed !== undefined ? Buffer.from(file.seed, 'hex') : unsealSeed(file, passphrase));
    if (signer.did !== file.did) throw new LoglineError('KEY_CORRUPT', `the key file of "${handle}" does not match its did`, { hint: 'restore the key file from a backup' });
    this.signers.set(handle, signer);
    return signer;
  }

  /** The key files as they are on disk (still sealed when they are), for `backup --keys`. */
  rawFiles(): { handle: string; did: string; text: string }[] {
    return this.list().map((i) => ({ handle: i.handle, did: i.did, text: readFileSync(this.file(i.handle), 'utf8') }));
  }

  /**
   * Writes a key file taken from a backup, mode 0600: the identity must be new here, or the same key (then
   * nothing is written). Returns whether it wrote. Checks the file before writing: a file that is not a key
   * file, or that names another key under a handle in use, is refused.
   */
  restoreFile(handle: string, text: string): boolean {
    const file = parseKeyFile(text, handle);
    if (file.handle !== handle) throw new LoglineError('KEY_CORRUPT', `the key file of "${handle}" names "${file.handle}"`, { hint: 'the backup is damaged' });
    if (this.has(handle)) {
      if (this.read(handle).did === file.did) return false;
      throw new LoglineError('KEY_CONFLICT', `this home has another key under the handle "${handle}"`, { hint: 'restore into an empty home, or rename the key file here first' });
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const tmp = `${this.file(handle)}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, this.file(handle));
    return true;
  }

  private read(handle: string): KeyFile {
    const path = this.file(handle);
    if (!isHandle(handle) || !existsSync(path)) {
      throw new LoglineError('IDENTITY_NOT_FOUND', `no identity with handle "${handle}"`, { hint: '`logline id list` shows the identities of this home' });
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new LoglineError('KEY_CORRUPT', `the key file of "${handle}" cannot be read: ${(e as Error).message}`, { hint: 'restore the key file from a backup' });
    }
    return parseKeyFile(text, handle);
  }
}

function parseKeyFile(text: string, handle: string): KeyFile {
  try {
    const file = JSON.parse(text) as KeyFile;
    if (file.v !== 1 || file.type !== 'ed25519' || typeof file.did !== 'string' || typeof file.handle !== 'string') throw new Error('unknown key file format');
    return file;
  } catch (e) {
    throw new LoglineError('KEY_CORRUPT', `the key file of "${handle}" cannot be read: ${(e as Error).message}`, { hint: 'restore the key file from a backup' });
  }
}

function info(file: KeyFile): IdentityInfo {
  return {
    handle: file.handle,
    did: file.did,
    peerId: peerIdFromDid(file.did) ?? '',
    encrypted: file.seed === undefined,
    node: file.node,
    created: file.created,
  };
}

function unsealSeed(file: KeyFile, passphrase: string | undefined): Buffer {
  if (file.scrypt === undefined || file.aead === undefined) throw new LoglineError('KEY_CORRUPT', `the key file of "${file.handle}" holds no key`, { hint: 'restore the key file from a backup' });
  if (passphrase === undefined) {
    throw new LoglineError('KEY_LOCKED', `the key of "${file.handle}" is encrypted`, { hint: 'set LOGLINE_PASSPHRASE or pass --passphrase-file FILE' });
  }
  const seed = unseal({ scrypt: file.scrypt, aead: file.aead }, passphrase, file.did);
  if (seed === null) throw new LoglineError('KEY_BAD_PASSPHRASE', `the passphrase does not unlock the key of "${file.handle}"`, { hint: 'check LOGLINE_PASSPHRASE or the --passphrase-file' });
  return seed;
}

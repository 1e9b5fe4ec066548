import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { didFromPublicKey, publicKeyFromDid } from './did-key.js';

/** DER prefixes that wrap a raw 32-byte seed (PKCS#8) or public key (SPKI) for node:crypto. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A signer holding a cached KeyObject: creating one per call costs ~15× the signature. */
export interface Signer {
  readonly did: string;
  readonly publicKey: Uint8Array;
  /** The private seed, for the crypto pool's worker threads only: never printed, logged or sent. */
  readonly seed: Uint8Array;
  sign(message: Uint8Array): Buffer;
}

export function signerFromSeed(seed: Uint8Array): Signer {
  if (seed.length !== 32) throw new RangeError('an ed25519 seed is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
  return {
    did: didFromPublicKey(publicKey),
    publicKey,
    seed: Uint8Array.from(seed),
    sign: (message) => sign(null, message, key),
  };
}

export function publicKeyObject(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
}

const KEY_CACHE_LIMIT = 4096;
const keyCache = new Map<string, KeyObject | null>();

/** The public KeyObject of a did:key, cached; null when the did is malformed. */
export function keyObjectForDid(did: string): KeyObject | null {
  let key = keyCache.get(did);
  if (key === undefined) {
    const pub = publicKeyFromDid(did);
    key = pub === null ? null : publicKeyObject(pub);
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(did, key);
  }
  return key;
}

/** Verifies an ed25519 signature by the key of `did`; false on any malformed input. */
export function verifyByDid(did: string, message: Uint8Array, signature: Uint8Array): boolean {
  const key = keyObjectForDid(did);
  if (key === null || signature.length !== 64) return false;
  return verify(null, message, key, signature);
}

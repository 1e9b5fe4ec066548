import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/** scrypt cost: ~100 ms and 32 MiB per unlock on this class of machine. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** Bytes sealed with a passphrase: scrypt derives the key, AES-256-GCM encrypts and authenticates. */
export interface Sealed {
  scrypt: { salt: string; N: number; r: number; p: number };
  aead: { alg: 'aes-256-gcm'; iv: string; ct: string; tag: string };
}

/** Seals `plain` with `passphrase`; `aad` is authenticated too (it binds the box to what it is for). */
export function seal(plain: Uint8Array, passphrase: string, aad: string): Sealed {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    scrypt: { salt: salt.toString('hex'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p },
    aead: { alg: 'aes-256-gcm', iv: iv.toString('hex'), ct: ct.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
  };
}

/** The plain bytes, or null when the passphrase (or the aad) does not open the box. */
export function unseal(box: Sealed, passphrase: string, aad: string): Buffer | null {
  const { salt, N, r, p } = box.scrypt;
  const key = scryptSync(passphrase, Buffer.from(salt, 'hex'), 32, { N, r, p, maxmem: SCRYPT.maxmem });
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.aead.iv, 'hex'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(box.aead.tag, 'hex'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(box.aead.ct, 'hex')), decipher.final()]);
  } catch {
    return null;
  }
}

import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * The smallest POSIX tar (ustar) that backups need: regular files only, written and read with plain fs calls,
 * so that a backup is one file that `tar tf` and `tar xf` also understand. Sizes past 8 GiB use the GNU
 * base-256 size field, which GNU and BSD tar read.
 */
const BLOCK = 512;
const CHUNK = 1 << 20;
/**
 * While a big file is copied in, its data is flushed every this many bytes: dirty pages never pile up into one
 * long flush at the end, during which other writers' fsyncs (a daemon's WAL checkpoints) would wait behind it.
 */
export const SYNC_EVERY = 32 << 20;

export interface TarEntry {
  name: string;
  size: number;
  /** Where the entry's data starts in the archive. */
  offset: number;
}

/** Why an archive cannot be read: not a tar at all, cut short, or damaged. */
export class TarError extends Error {
  constructor(readonly kind: 'foreign' | 'truncated' | 'corrupt', message: string) {
    super(message);
  }
}

function octal(buf: Buffer, at: number, len: number, value: number): void {
  buf.write(`${value.toString(8).padStart(len - 1, '0')}\0`, at, len, 'ascii');
}

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 99) throw new RangeError(`tar entry name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, 0o600);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (size < 8 ** 11) octal(h, 124, 12, size);
  else {
    h[124] = 0x80; // GNU base-256: the size, big-endian, in the last 8 bytes of the field
    h.writeBigUInt64BE(BigInt(size), 128);
  }
  octal(h, 136, 12, Math.floor(mtime / 1000));
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** Writes entries one after the other into a file opened here; `close()` adds the end-of-archive blocks. */
export class TarWriter {
  private readonly fd: number;
  private readonly mtime = Date.now();

  constructor(file: string) {
    this.fd = openSync(file, 'wx', 0o600);
  }

  add(name: string, data: Buffer): void {
    writeSync(this.fd, header(name, data.length, this.mtime));
    writeSync(this.fd, data);
    this.pad(data.length);
  }

  /** Copies a file in as one entry; `onChunk` sees every chunk (to hash it on the way). */
  addFile(name: string, path: string, onChunk?: (chunk: Buffer) => void): number {
    const src = openSync(path, 'r');
    try {
      const size = fstatSync(src).size;
      writeSync(this.fd, header(name, size, this.mtime));
      const buf = Buffer.allocUnsafe(CHUNK);
      let done = 0;
      while (done < size) {
        const n = readSync(src, buf, 0, Math.min(CHUNK, size - done), done);
        if (n === 0) throw new Error(`${path} shrank while it was copied`);
        onChunk?.(buf.subarray(0, n));
        writeSync(this.fd, buf, 0, n);
        done += n;
        if (done % SYNC_EVERY === 0) fdatasyncSync(this.fd);
      }
      this.pad(size);
      return size;
    } finally {
      closeSync(src);
    }
  }

  close(): void {
    try {
      writeSync(this.fd, Buffer.alloc(BLOCK * 2));
    } finally {
      closeSync(this.fd);
    }
  }

  private pad(size: number): void {
    const rest = size % BLOCK;
    if (rest !== 0) writeSync(this.fd, Buffer.alloc(BLOCK - rest));
  }
}

function readOctal(h: Buffer, at: number, len: number): number {
  if (h[at] === 0x80) return Number(h.readBigUInt64BE(at + len - 8));
  const text = h.toString('ascii', at, at + len).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return readOctal(h, 148, 8) === sum;
}

/**
 * The entries of an archive, checked block by block: a first block that is no ustar header is `foreign`,
 * a header whose checksum fails is `corrupt`, and an entry or end marker past the end of the file is `truncated`.
 */
export function readTar(fd: number): TarEntry[] {
  const size = fstatSync(fd).size;
  const entries: TarEntry[] = [];
  const h = Buffer.alloc(BLOCK);
  for (let at = 0; ;) {
    if (at + BLOCK > size) {
      if (entries.length === 0) throw new TarError('foreign', 'the file is too short to be a tar archive');
      throw new TarError('truncated', at >= size ? 'the archive lacks its end marker' : `the archive ends at byte ${size}, inside a block`);
    }
    readSync(fd, h, 0, BLOCK, at);
    if (h.every((b) => b === 0)) {
      if (entries.length === 0) throw new TarError('foreign', 'the file starts with an empty block');
      if (at + 2 * BLOCK > size) throw new TarError('truncated', 'the archive lacks its end marker');
      return entries;
    }
    if (h.toString('ascii', 257, 262) !== 'ustar') {
      throw new TarError(entries.length === 0 ? 'foreign' : 'corrupt', entries.length === 0 ? 'the file is not a tar archive' : `block at byte ${at} is not a tar header`);
    }
    if (!checksumOk(h)) throw new TarError('corrupt', `the tar header at byte ${at} fails its checksum`);
    const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const len = readOctal(h, 124, 12);
    if (!Number.isSafeInteger(len) || len < 0) throw new TarError('corrupt', `the tar header of ${name} has no valid size`);
    const offset = at + BLOCK;
    if (offset + len > size) throw new TarError('truncated', `${name} should hold ${len} bytes but the file ends ${offset + len - size} bytes short`);
    entries.push({ name, size: len, offset });
    at = offset + Math.ceil(len / BLOCK) * BLOCK;
  }
}

/** Reads a (small) entry into memory. */
export function readEntry(fd: number, entry: TarEntry): Buffer {
  const buf = Buffer.alloc(entry.size);
  readSync(fd, buf, 0, entry.size, entry.offset);
  return buf;
}

/** Copies an entry out to `write`, chunk by chunk. */
export function copyEntry(fd: number, entry: TarEntry, write: (chunk: Buffer) => void): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let done = 0; done < entry.size;) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, entry.size - done), entry.offset + done);
    if (n === 0) throw new TarError('truncated', `the archive ends inside ${entry.name}`);
    write(buf.subarray(0, n));
    done += n;
  }
}

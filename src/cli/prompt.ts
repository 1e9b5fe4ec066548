import { LoglineError } from '../errors/errors.js';

/**
 * Reads a secret from the terminal without echoing it. Only on a terminal: piped or scripted runs get a usage
 * error instead (they pass --passphrase-file or LOGLINE_PASSPHRASE), so that nothing ever waits on a pipe.
 */
export async function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) {
    throw LoglineError.usage('PASSPHRASE_REQUIRED', 'a passphrase is needed and there is no terminal to ask on', 'set LOGLINE_PASSPHRASE or pass --passphrase-file FILE');
  }
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') { stdin.off('data', onData); resolve(text); return; }
          if (ch === '\u0003') { stdin.off('data', onData); reject(LoglineError.usage('CANCELLED', 'cancelled')); return; }
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else text += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** A new passphrase, asked twice on a terminal; never empty. */
export async function promptNewSecret(question: string): Promise<string> {
  const first = await promptSecret(question);
  if (first === '') throw LoglineError.usage('EMPTY_PASSPHRASE', 'the passphrase is empty');
  if ((await promptSecret('again: ')) !== first) throw LoglineError.usage('PASSPHRASE_MISMATCH', 'the two passphrases differ');
  return first;
}

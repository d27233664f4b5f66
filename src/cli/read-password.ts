/**
 * Reads a password for `porta passwd`: from a terminal without echo, asked twice; otherwise
 * the first line of standard input (scripts: `printf '%s\n' "$PW" | porta passwd ...`).
 */
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { RuntimeFailure } from './errors.js';

/** A password line longer than this is not a password. */
const MAX_PASSWORD_BYTES = 4096;

export async function readPassword(input: Readable, output: Writable, prompt: string): Promise<string> {
  const tty = input as Partial<ReadStream>;
  let password: string;
  if (tty.isTTY === true && typeof tty.setRawMode === 'function') {
    password = await readHidden(tty as ReadStream, output, prompt);
    const again = await readHidden(tty as ReadStream, output, 'Again: ');
    if (again !== password) throw new RuntimeFailure('the two passwords differ; nothing was changed');
  } else {
    password = await readFirstLine(input);
  }
  if (password === '') throw new RuntimeFailure('the password is empty; nothing was changed');
  return password;
}

async function readFirstLine(input: Readable): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const newline = text.indexOf('\n');
    if (newline >= 0) {
      text = text.slice(0, newline);
      break;
    }
    if (text.length > MAX_PASSWORD_BYTES) throw new RuntimeFailure('the password line on standard input is too long');
  }
  if (text.length > MAX_PASSWORD_BYTES) throw new RuntimeFailure('the password line on standard input is too long');
  return text.replace(/\r$/, '');
}

/** One line from the terminal in raw mode: nothing echoed; backspace edits; Ctrl-C or Ctrl-D aborts. */
function readHidden(input: ReadStream, output: Writable, prompt: string): Promise<string> {
  output.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error: Error | undefined): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error !== undefined) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(undefined);
        if (char === '\u0003' || char === '\u0004') return finish(new RuntimeFailure('cancelled; nothing was changed'));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
        if (text.length > MAX_PASSWORD_BYTES) return finish(new RuntimeFailure('the password is too long'));
      }
    };
    input.on('data', onData);
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoLinePrefixer, prefixLines } from '../../src/services/echo-line-prefixer.js';

const PREFIX = Buffer.from('> ');

function run(pieces: string[]): string {
  const prefixer = new EchoLinePrefixer(PREFIX);
  const out = pieces.map((piece) => prefixer.transform(Buffer.from(piece)));
  return Buffer.concat([...out, prefixer.end()]).toString();
}

describe('EchoLinePrefixer', () => {
  it('prefixes every line and keeps its terminator', () => {
    assert.equal(run(['a\nb\r\n']), '> a\n> b\r\n');
  });

  it('gives the same answer however the input is split', () => {
    const whole = run(['one\ntwo\nthree\n']);
    assert.equal(run(['o', 'ne\nt', 'wo\n', 'three', '\n']), whole);
    assert.equal(run('one\ntwo\nthree\n'.split('')), whole);
  });

  it('completes a last line that has no LF', () => {
    assert.equal(run(['tail']), '> tail\n');
  });

  it('answers nothing to no input, and an empty line with the bare prefix', () => {
    assert.equal(run([]), '');
    assert.equal(run(['', '']), '');
    assert.equal(run(['\n']), '> \n');
  });

  it('passes bytes through untouched (no decoding)', () => {
    const prefixer = new EchoLinePrefixer(PREFIX);
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x0a]);
    assert.deepEqual(prefixer.transform(binary), Buffer.concat([PREFIX, binary]));
  });

  it('prefixLines answers one datagram on its own', () => {
    assert.equal(prefixLines(Buffer.from('You said: '), Buffer.from('hi\nthere')).toString(), 'You said: hi\nYou said: there\n');
  });
});

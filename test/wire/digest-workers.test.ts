/**
 * Digest nonce counts with `--workers 2`: a captured request (its nonce used once, at count 1)
 * replayed on fresh connections, which the workers share between them, is accepted at most
 * once in all: a nonce is counted only by the worker that issued it, and the others answer
 * stale=true. Before, each worker counted nonces on its own and accepted the replay again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestControlFile, digestField, parseChallenge } from '../helpers/auth-client.js';
import { makeTempSite } from '../helpers/porta-server.js';
import { fetchOne, RawConnection, request } from '../helpers/raw-client.js';
import { startPorta } from '../helpers/spawn-porta.js';

const PAGE = '/team/page.txt';

describe('Digest with worker processes', () => {
  test('a captured request is accepted at most once across the workers; a client on one connection logs in', { timeout: 40_000 }, async () => {
    const site = await makeTempSite({
      'team/page.txt': 'team page\n',
      'team/WeMustProtectThisHouse!': digestControlFile('Team', { carol: 'secret' }),
    });
    const porta = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--access-log', 'off'], { timeoutMs: 35_000 });
    try {
      const port = Number((await porta.waitForStderr(/Local:\s+http:\/\/127\.0\.0\.1:(\d+)\/\n/, 10_000))[1]);
      await porta.waitForStderr(/\b2 worker processes\b/, 10_000);

      // A client that stays on its connection: challenged, then let in (the same worker).
      const connection = await RawConnection.open(port);
      try {
        connection.write(request('GET', PAGE));
        const [challenged] = await connection.waitForResponses(1);
        assert.equal(challenged?.status, 401);
        const challenge = parseChallenge(challenged?.get('www-authenticate') ?? '');
        const { field } = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: PAGE, nc: 1 });
        connection.write(request('GET', PAGE, [field]));
        const [, admitted] = await connection.waitForResponses(2);
        assert.equal(admitted?.status, 200);
        assert.equal(admitted?.text, 'team page\n');

        // The same request, captured and replayed on fresh connections: never accepted again.
        let accepted = 0;
        let stale = 0;
        for (let i = 0; i < 12; i++) {
          const replay = await fetchOne(port, request('GET', PAGE, [field]));
          if (replay.status === 200) accepted++;
          else if (parseChallenge(replay.get('www-authenticate') ?? '').stale === 'true') stale++;
        }
        assert.equal(accepted, 0, `the replay was accepted ${accepted} times`);
        assert.equal(stale, 12, 'each replay asked for a new nonce');
      } finally {
        connection.destroy();
      }
    } finally {
      await porta.stop();
      await site.cleanup();
    }
  });
});

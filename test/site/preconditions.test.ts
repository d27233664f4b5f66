import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluatePreconditions, ifRangeAllows } from '../../src/site/preconditions.js';
import type { FieldReader, Validators } from '../../src/site/preconditions.js';

const LAST_MODIFIED = 'Sun, 06 Nov 1994 08:49:37 GMT';
const EARLIER = 'Sun, 06 Nov 1994 08:49:36 GMT';
const LATER = 'Sun, 06 Nov 1994 08:49:38 GMT';
const ETAG = '"5f3-1a2b3c"';

const validators: Validators = { etag: ETAG, lastModified: new Date(Date.UTC(1994, 10, 6, 8, 49, 37)) };

function fields(entries: Record<string, string>): FieldReader {
  const map = new Map(Object.entries(entries));
  return { get: (name) => map.get(name) };
}

/** The resource as the server sees it; MISSING stands for "does not exist" (validators undefined). */
const MISSING = null;

function evaluate(method: string, entries: Record<string, string>, current: Validators | null = validators): string {
  return evaluatePreconditions(method, fields(entries), current ?? undefined);
}

describe('evaluatePreconditions: If-Match (RFC 9110 13.1.1)', () => {
  it('proceeds without conditional fields', () => {
    assert.equal(evaluate('GET', {}), 'proceed');
  });

  it('proceeds when a listed tag matches strongly', () => {
    assert.equal(evaluate('PUT', { 'if-match': ETAG }), 'proceed');
    assert.equal(evaluate('PUT', { 'if-match': `"other", ${ETAG}` }), 'proceed');
  });

  it('fails with 412 when no tag matches', () => {
    assert.equal(evaluate('PUT', { 'if-match': '"other"' }), 'precondition-failed');
    assert.equal(evaluate('GET', { 'if-match': '"other"' }), 'precondition-failed');
  });

  it('uses strong comparison: a weak tag never matches', () => {
    assert.equal(evaluate('PUT', { 'if-match': `W/${ETAG}` }), 'precondition-failed');
  });

  it('treats * as matching an existing resource only', () => {
    assert.equal(evaluate('PUT', { 'if-match': '*' }), 'proceed');
    assert.equal(evaluate('PUT', { 'if-match': ' * ' }), 'proceed');
    assert.equal(evaluate('PUT', { 'if-match': '*' }, MISSING), 'precondition-failed');
  });

  it('fails for a missing resource whatever the list', () => {
    assert.equal(evaluate('PUT', { 'if-match': ETAG }, MISSING), 'precondition-failed');
  });

  it('fails when the list is malformed, even if it contains the current tag', () => {
    assert.equal(evaluate('PUT', { 'if-match': `${ETAG}, bare` }), 'precondition-failed');
    assert.equal(evaluate('PUT', { 'if-match': `${ETAG} "x"` }), 'precondition-failed');
    assert.equal(evaluate('PUT', { 'if-match': `${ETAG}, *` }), 'precondition-failed');
    assert.equal(evaluate('PUT', { 'if-match': '"unterminated' }), 'precondition-failed');
  });

  it('does not split on commas inside a quoted tag', () => {
    const current: Validators = { ...validators, etag: '"a,b"' };
    assert.equal(evaluate('PUT', { 'if-match': '"a,b"' }, current), 'proceed');
    assert.equal(evaluate('PUT', { 'if-match': '"a", "b"' }, current), 'precondition-failed');
  });

  it('tolerates empty list elements and OWS', () => {
    assert.equal(evaluate('PUT', { 'if-match': ` , ,"x" ,\t${ETAG} , ` }), 'proceed');
  });
});

describe('evaluatePreconditions: If-Unmodified-Since (RFC 9110 13.1.4)', () => {
  it('proceeds when not modified since the date', () => {
    assert.equal(evaluate('PUT', { 'if-unmodified-since': LAST_MODIFIED }), 'proceed');
    assert.equal(evaluate('PUT', { 'if-unmodified-since': LATER }), 'proceed');
  });

  it('fails with 412 when modified after the date', () => {
    assert.equal(evaluate('PUT', { 'if-unmodified-since': EARLIER }), 'precondition-failed');
    assert.equal(evaluate('GET', { 'if-unmodified-since': EARLIER }), 'precondition-failed');
  });

  it('ignores a date that does not parse', () => {
    assert.equal(evaluate('PUT', { 'if-unmodified-since': 'yesterday' }), 'proceed');
  });

  it('is ignored when If-Match is present (13.2.2 step 2)', () => {
    assert.equal(evaluate('PUT', { 'if-match': ETAG, 'if-unmodified-since': EARLIER }), 'proceed');
  });

  it('is ignored for a resource without a modification date (missing)', () => {
    assert.equal(evaluate('PUT', { 'if-unmodified-since': EARLIER }, MISSING), 'proceed');
  });

  it('compares in whole seconds', () => {
    const current: Validators = { ...validators, lastModified: new Date(validators.lastModified.getTime() + 900) };
    assert.equal(evaluate('PUT', { 'if-unmodified-since': LAST_MODIFIED }, current), 'proceed');
  });
});

describe('evaluatePreconditions: If-None-Match (RFC 9110 13.1.2)', () => {
  it('answers 304 for GET and HEAD when a tag matches', () => {
    assert.equal(evaluate('GET', { 'if-none-match': ETAG }), 'not-modified');
    assert.equal(evaluate('HEAD', { 'if-none-match': `"x", ${ETAG}` }), 'not-modified');
  });

  it('answers 412 for other methods when a tag matches', () => {
    assert.equal(evaluate('PUT', { 'if-none-match': ETAG }), 'precondition-failed');
    assert.equal(evaluate('DELETE', { 'if-none-match': '*' }), 'precondition-failed');
  });

  it('uses weak comparison', () => {
    assert.equal(evaluate('GET', { 'if-none-match': `W/${ETAG}` }), 'not-modified');
    assert.equal(evaluate('GET', { 'if-none-match': ETAG }, { ...validators, etag: `W/${ETAG}` }), 'not-modified');
  });

  it('proceeds when nothing matches', () => {
    assert.equal(evaluate('GET', { 'if-none-match': '"other"' }), 'proceed');
  });

  it('treats * as matching any existing resource, so PUT may create a missing one', () => {
    assert.equal(evaluate('GET', { 'if-none-match': '*' }), 'not-modified');
    assert.equal(evaluate('PUT', { 'if-none-match': '*' }), 'precondition-failed');
    assert.equal(evaluate('PUT', { 'if-none-match': '*' }, MISSING), 'proceed');
  });

  it('does not match when the list is malformed', () => {
    assert.equal(evaluate('GET', { 'if-none-match': `${ETAG}, junk` }), 'proceed');
    assert.equal(evaluate('GET', { 'if-none-match': 'w/"5f3-1a2b3c"' }), 'proceed');
  });
});

describe('evaluatePreconditions: If-Modified-Since (RFC 9110 13.1.3)', () => {
  it('answers 304 when not modified since the date', () => {
    assert.equal(evaluate('GET', { 'if-modified-since': LAST_MODIFIED }), 'not-modified');
    assert.equal(evaluate('HEAD', { 'if-modified-since': LATER }), 'not-modified');
  });

  it('proceeds when modified since the date', () => {
    assert.equal(evaluate('GET', { 'if-modified-since': EARLIER }), 'proceed');
  });

  it('accepts an obsolete date form', () => {
    assert.equal(evaluate('GET', { 'if-modified-since': 'Sun Nov  6 08:49:37 1994' }), 'not-modified');
  });

  it('compares in whole seconds', () => {
    const current: Validators = { ...validators, lastModified: new Date(validators.lastModified.getTime() + 999) };
    assert.equal(evaluate('GET', { 'if-modified-since': LAST_MODIFIED }, current), 'not-modified');
  });

  it('ignores an invalid date and a value with several members', () => {
    assert.equal(evaluate('GET', { 'if-modified-since': 'garbage' }), 'proceed');
    assert.equal(evaluate('GET', { 'if-modified-since': `${LAST_MODIFIED}, ${LATER}` }), 'proceed');
  });

  it('applies only to GET and HEAD', () => {
    assert.equal(evaluate('POST', { 'if-modified-since': LATER }), 'proceed');
    assert.equal(evaluate('PUT', { 'if-modified-since': LATER }), 'proceed');
  });

  it('is ignored for a missing resource', () => {
    assert.equal(evaluate('GET', { 'if-modified-since': LATER }, MISSING), 'proceed');
  });
});

describe('evaluatePreconditions: the order of RFC 9110 13.2.2', () => {
  it('a failing If-Match beats a matching If-None-Match', () => {
    assert.equal(evaluate('GET', { 'if-match': '"other"', 'if-none-match': ETAG }), 'precondition-failed');
  });

  it('a failing If-Unmodified-Since beats a matching If-None-Match or If-Modified-Since', () => {
    assert.equal(evaluate('GET', { 'if-unmodified-since': EARLIER, 'if-none-match': ETAG }), 'precondition-failed');
    assert.equal(evaluate('GET', { 'if-unmodified-since': EARLIER, 'if-modified-since': LATER }), 'precondition-failed');
  });

  it('If-None-Match present means If-Modified-Since is ignored', () => {
    // If-None-Match does not match (proceed), even though If-Modified-Since alone would give 304.
    assert.equal(evaluate('GET', { 'if-none-match': '"other"', 'if-modified-since': LATER }), 'proceed');
    // If-None-Match matches (304), even though If-Modified-Since alone would proceed.
    assert.equal(evaluate('GET', { 'if-none-match': ETAG, 'if-modified-since': EARLIER }), 'not-modified');
  });

  it('a passing If-Match still lets If-None-Match decide', () => {
    assert.equal(evaluate('GET', { 'if-match': ETAG, 'if-none-match': ETAG }), 'not-modified');
    assert.equal(evaluate('PUT', { 'if-match': ETAG, 'if-none-match': ETAG }), 'precondition-failed');
  });

  it('ignores all conditionals for OPTIONS, TRACE and CONNECT (13.2.1)', () => {
    for (const method of ['OPTIONS', 'TRACE', 'CONNECT']) {
      assert.equal(evaluate(method, { 'if-match': '"other"', 'if-none-match': ETAG }), 'proceed');
    }
  });

  it('never throws, whatever the field values', () => {
    const anyValue = fc.option(fc.string({ maxLength: 40 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'POST'),
        anyValue,
        anyValue,
        anyValue,
        anyValue,
        fc.boolean(),
        (method, ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, exists) => {
          const entries: Record<string, string> = {};
          if (ifMatch !== undefined) entries['if-match'] = ifMatch;
          if (ifNoneMatch !== undefined) entries['if-none-match'] = ifNoneMatch;
          if (ifModifiedSince !== undefined) entries['if-modified-since'] = ifModifiedSince;
          if (ifUnmodifiedSince !== undefined) entries['if-unmodified-since'] = ifUnmodifiedSince;
          const outcome = evaluate(method, entries, exists ? validators : MISSING);
          assert.ok(['proceed', 'not-modified', 'precondition-failed'].includes(outcome));
          if (method !== 'GET' && method !== 'HEAD') assert.notEqual(outcome, 'not-modified');
        },
      ),
    );
  });
});

describe('ifRangeAllows (RFC 9110 13.1.5)', () => {
  const allows = (value: string | undefined): boolean =>
    ifRangeAllows(fields(value === undefined ? {} : { 'if-range': value }), validators);

  it('allows the range when there is no If-Range', () => {
    assert.equal(allows(undefined), true);
  });

  it('allows the range for a strongly matching entity-tag', () => {
    assert.equal(allows(ETAG), true);
    assert.equal(allows(` ${ETAG} `), true);
  });

  it('refuses a different or weak entity-tag', () => {
    assert.equal(allows('"other"'), false);
    assert.equal(allows(`W/${ETAG}`), false);
  });

  it('refuses a list of tags or a malformed tag', () => {
    assert.equal(allows(`${ETAG}, "other"`), false);
    assert.equal(allows('"unterminated'), false);
  });

  it('allows the range for a date exactly equal to Last-Modified', () => {
    assert.equal(allows(LAST_MODIFIED), true);
    assert.equal(allows('Sun Nov  6 08:49:37 1994'), true);
  });

  it('refuses any other date, and anything that is neither tag nor date', () => {
    assert.equal(allows(LATER), false);
    assert.equal(allows(EARLIER), false);
    assert.equal(allows('*'), false);
    assert.equal(allows('garbage'), false);
  });
});

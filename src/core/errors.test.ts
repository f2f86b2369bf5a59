import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, ERROR_CODES, errorCode, HowoldError, InputError, type HowoldErrorCode } from './errors.js';

test('every error code has a one-line description', () => {
  const entries = Object.entries(ERROR_CODES);
  assert.ok(entries.length > 40, `${entries.length} codes`);
  for (const [code, description] of entries) {
    assert.match(code, /^[a-z]+(_[a-z]+)*$/, `${code}: snake_case`);
    assert.ok(description.length >= 10 && description.length <= 120, `${code}: ${description.length} characters`);
    assert.doesNotMatch(description, /\n/, `${code}: one line`);
  }
});

test('HowoldError codes are typed: the subclasses and errorCode() give only documented codes', () => {
  const codes: HowoldErrorCode[] = [
    new ArgumentError('x').code,
    new InputError('not_an_image', 'not an image', 'a.jpg').code,
    errorCode(new Error('plain')),
    errorCode('a string'),
  ];
  for (const code of codes) assert.ok(code in ERROR_CODES, code);
  assert.deepEqual(codes, ['invalid_argument', 'not_an_image', 'error', 'error']);
  // @ts-expect-error: a code that is not in ERROR_CODES does not compile
  const unknown = new HowoldError('no_such_code', 'x');
  assert.equal(unknown.code, 'no_such_code');
});

test('a HowoldError keeps its cause and names its file in the one-line message', () => {
  const cause = new Error('inner');
  const err = new InputError('corrupt', 'corrupt or truncated image', 'photos/a.jpg', { cause });
  assert.equal(err.message, 'photos/a.jpg: corrupt or truncated image');
  assert.equal(err.file, 'photos/a.jpg');
  assert.equal(err.cause, cause);
  assert.ok(err instanceof HowoldError);
});

test('howold and howold/browser export the same ERROR_CODES', async () => {
  const node = await import('../index.js');
  const browser = await import('../browser.js');
  assert.equal(node.ERROR_CODES, ERROR_CODES);
  assert.equal(browser.ERROR_CODES, ERROR_CODES);
  assert.equal(browser.HowoldError, HowoldError);
});

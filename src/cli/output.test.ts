import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from './output.js';

test('printable: newlines, tabs, ANSI escapes, C1 controls and backslashes are written as escapes', () => {
  assert.equal(printable('a\nb\tc\r.jpg'), 'a\\nb\\tc\\r.jpg');
  assert.equal(printable('\x1b[31mred\x1b[0m.png'), '\\x1b[31mred\\x1b[0m.png');
  assert.equal(printable('x\u009by\u2028z\\'), 'x\\x9by\\u2028z\\\\');
  assert.equal(printable('plain/été ✓.jpg'), 'plain/été ✓.jpg');
});

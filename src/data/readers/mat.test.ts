import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { charRows, MatFileError, parseMat, type MatArray } from './mat.js';
import { encodeMat, mat } from './mat-writer.js';

function numbers(v: MatArray | undefined): number[] {
  assert.equal(v?.type, 'numeric');
  return Array.from(v.real);
}

describe('MAT v5 reader and writer', () => {
  const variables = {
    a: mat.double([1.5, Number.NaN, -Infinity, 3]),
    small: mat.double([7, 300, 65535], { storage: 'uint16' }),
    ints: mat.numeric('int32', [-5, 0, 2147483647]),
    big: mat.numeric('int64', [-(2 ** 40), 2 ** 40]),
    f32: mat.numeric('single', [0.5, -2]),
    col: mat.double([1, 2, 3, 4, 5, 6], { dims: [3, 2] }),
    s: mat.char('héllo wörld ✓'),
    u: mat.char('naïve', 'utf8'),
    empty: mat.char(''),
    c: mat.cell([mat.char('x/y.jpg'), mat.double([1, 2, 3, 4]), mat.double([], { dims: [0, 0] })]),
    st: mat.struct({ dob: mat.double([730000, 0]), full_path: mat.cell([mat.char('p'), mat.char('q')]) }),
  };

  for (const [label, options] of [
    ['compressed', { compress: true }],
    ['uncompressed', { compress: false }],
    ['big-endian', { compress: false, endian: 'big' }],
    ['big-endian compressed', { compress: true, endian: 'big' }],
  ] as const) {
    it(`round-trips numbers, strings, cells and structs (${label})`, () => {
      const vars = parseMat(encodeMat(variables, options));
      assert.deepEqual([...vars.keys()], Object.keys(variables));
      assert.deepEqual(numbers(vars.get('a')), [1.5, Number.NaN, -Infinity, 3]);
      assert.deepEqual(numbers(vars.get('small')), [7, 300, 65535]);
      assert.equal((vars.get('small') as { class: string }).class, 'double');
      assert.deepEqual(numbers(vars.get('ints')), [-5, 0, 2147483647]);
      assert.deepEqual(numbers(vars.get('big')), [-(2 ** 40), 2 ** 40]);
      assert.deepEqual(numbers(vars.get('f32')), [0.5, -2]);
      assert.deepEqual(vars.get('col')?.dims, [3, 2]);
      const s = vars.get('s');
      assert.equal(s?.type === 'char' && s.text, 'héllo wörld ✓');
      const u = vars.get('u');
      assert.equal(u?.type === 'char' && u.text, 'naïve');
      const e = vars.get('empty');
      assert.equal(e?.type === 'char' && e.text, '');
      const c = vars.get('c');
      assert.ok(c?.type === 'cell');
      assert.equal(c.cells.length, 3);
      assert.equal(c.cells[0]?.type === 'char' && c.cells[0].text, 'x/y.jpg');
      assert.deepEqual(numbers(c.cells[1]), [1, 2, 3, 4]);
      assert.deepEqual(c.cells[2]?.dims, [0, 0]);
      const st = vars.get('st');
      assert.ok(st?.type === 'struct');
      assert.deepEqual(st.fieldNames, ['dob', 'full_path']);
      assert.deepEqual(numbers(st.elements[0]?.dob), [730000, 0]);
      const fp = st.elements[0]?.full_path;
      assert.ok(fp?.type === 'cell');
      assert.deepEqual(
        fp.cells.map((x) => (x.type === 'char' ? x.text : '')),
        ['p', 'q'],
      );
    });
  }

  it('leaves out struct fields it is asked to skip', () => {
    const st = parseMat(encodeMat(variables), 'x.mat', { skipFields: ['dob'] }).get('st');
    assert.ok(st?.type === 'struct');
    assert.deepEqual(Object.keys(st.elements[0]!), ['full_path']);
  });

  it('reads the rows of a char matrix (column-major)', () => {
    assert.deepEqual(charRows({ type: 'char', name: '', dims: [2, 3], text: 'adbecf' }), ['abc', 'def']);
  });

  it('uses the small data element format for short names, as MATLAB does', () => {
    const buf = encodeMat({ imdb: mat.double(1) }, { compress: false });
    // variable name element: 4 bytes packed into the tag (size 4 << 16 | miINT8)
    const nameTag = buf.readUInt32LE(128 + 8 + 16 + 16);
    assert.equal(nameTag, (4 << 16) | 1);
    assert.equal(buf.toString('latin1', 128 + 8 + 16 + 16 + 4, 128 + 8 + 16 + 16 + 8), 'imdb');
  });

  it('skips unsupported classes (sparse) without losing the variables after them', () => {
    const good = encodeMat({ z: mat.double(3) }, { compress: false });
    // a miMATRIX holding only array flags with class mxSPARSE_CLASS (5)
    const sparse = Buffer.alloc(8 + 16);
    sparse.writeUInt32LE(14, 0);
    sparse.writeUInt32LE(16, 4);
    sparse.writeUInt32LE(6, 8);
    sparse.writeUInt32LE(8, 12);
    sparse.writeUInt32LE(5, 16);
    const vars = parseMat(Buffer.concat([good.subarray(0, 128), sparse, good.subarray(128)]));
    assert.deepEqual(numbers(vars.get('z')), [3]);
  });

  describe('malformed files give one-line errors naming the file', () => {
    const whole = encodeMat({ imdb: mat.struct({ dob: mat.double([1, 2, 3]), full_path: mat.cell([mat.char('a')]) }) }, { compress: false });
    const zipped = encodeMat({ imdb: mat.struct({ dob: mat.double([1, 2, 3]) }) }, { compress: true });

    function expectError(buf: Buffer, pattern: RegExp): void {
      assert.throws(
        () => parseMat(buf, '/data/imdb.mat'),
        (err: unknown) => {
          assert.ok(err instanceof MatFileError, String(err));
          assert.equal(err.code, 'bad_mat');
          assert.equal(err.message.includes('\n'), false);
          assert.match(err.message, /^\/data\/imdb\.mat: /);
          assert.match(err.message, pattern);
          return true;
        },
      );
    }

    it('truncated anywhere', () => {
      for (let cut = 129; cut < whole.length; cut += 8) expectError(whole.subarray(0, cut), /truncated|bad|expected/);
      expectError(whole.subarray(0, 60), /truncated: 60 bytes/);
      expectError(zipped.subarray(0, zipped.length - 5), /truncated/);
    });

    it('corrupt compressed data', () => {
      const bad = Buffer.from(zipped);
      bad.fill(0x55, 140, 150);
      expectError(bad, /does not inflate/);
    });

    it('a compressed stream that ends early', () => {
      const z = deflateSync(whole.subarray(128)).subarray(0, 20);
      const tag = Buffer.alloc(8);
      tag.writeUInt32LE(15, 0);
      tag.writeUInt32LE(z.length, 4);
      expectError(Buffer.concat([whole.subarray(0, 128), tag, z]), /does not inflate/);
    });

    it('not a MAT-file, or v7.3 (HDF5)', () => {
      expectError(Buffer.alloc(200, 0x41), /not a MATLAB level 5 MAT-file/);
      const v73 = Buffer.from(whole);
      v73.write('MATLAB 7.3 MAT-file', 0, 'latin1');
      expectError(v73, /v7\.3/);
    });

    it('dimensions claiming more cells or struct elements than the bytes left can hold', () => {
      const liar = encodeMat({ s: { kind: 'struct', dims: [1, 2147483647], fieldNames: ['a'], elements: [] } }, { compress: false });
      expectError(liar, /dimensions claim 2147483647 elements at byte \d+ but only \d+ bytes remain/);
      assert.ok(liar.length < 256);
      const empty = encodeMat({ s: { kind: 'struct', dims: [1, 2147483647], fieldNames: [], elements: [] } }, { compress: false });
      expectError(empty, /dimensions claim 2147483647 elements/);
      expectError(encodeMat({ c: { kind: 'cell', dims: [100000, 100000], cells: [] } }), /dimensions claim 10000000000 elements/);
    });

    it('a compressed element that inflates past 256 times its size (and 64 MiB) is a bomb', () => {
      const z = deflateSync(Buffer.alloc(80 * 1024 * 1024), { level: 9 });
      const tag = Buffer.alloc(8);
      tag.writeUInt32LE(15, 0);
      tag.writeUInt32LE(z.length, 4);
      expectError(Buffer.concat([whole.subarray(0, 128), tag, z]), /does not inflate .*(larger than|exceed|maxOutputLength|buffer)/i);
    });
  });
});


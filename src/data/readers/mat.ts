// A reader for MATLAB level 5 MAT-files (the format of the official imdb.mat / wiki.mat), after MathWorks'
// "MAT-File Format" document. Written by hand: the one npm package that reads v5 structs with cell arrays
// (mat-for-js) is GPL-3.0, which an MIT package cannot depend on, has a single release, and has no types.
import { inflateSync } from 'node:zlib';
import { errorMessage, InputError } from '../../core/errors.js';
import { readRegularFile } from '../../core/read-file.js';

/** Data types of data elements (the tag's first field). */
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** Array classes (the low byte of the array flags). */
export const MX = {
  CELL: 1,
  STRUCT: 2,
  OBJECT: 3,
  CHAR: 4,
  SPARSE: 5,
  DOUBLE: 6,
  SINGLE: 7,
  INT8: 8,
  UINT8: 9,
  INT16: 10,
  UINT16: 11,
  INT32: 12,
  UINT32: 13,
  INT64: 14,
  UINT64: 15,
} as const;

export type MatNumericClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

const NUMERIC_CLASSES: Record<number, MatNumericClass> = {
  [MX.DOUBLE]: 'double',
  [MX.SINGLE]: 'single',
  [MX.INT8]: 'int8',
  [MX.UINT8]: 'uint8',
  [MX.INT16]: 'int16',
  [MX.UINT16]: 'uint16',
  [MX.INT32]: 'int32',
  [MX.UINT32]: 'uint32',
  [MX.INT64]: 'int64',
  [MX.UINT64]: 'uint64',
};

const ELEMENT_SIZES: Record<number, number> = {
  [MI.INT8]: 1,
  [MI.UINT8]: 1,
  [MI.INT16]: 2,
  [MI.UINT16]: 2,
  [MI.INT32]: 4,
  [MI.UINT32]: 4,
  [MI.SINGLE]: 4,
  [MI.DOUBLE]: 8,
  [MI.INT64]: 8,
  [MI.UINT64]: 8,
};

interface MatBase {
  name: string;
  /** MATLAB dimensions, e.g. [1, n] for a row vector. Elements are stored column-major. */
  dims: number[];
}
export interface MatNumeric extends MatBase {
  type: 'numeric';
  class: MatNumericClass;
  logical: boolean;
  /** Values as doubles whatever the class or the (often narrower) type they were stored with. */
  real: Float64Array;
  imag?: Float64Array;
}
export interface MatChar extends MatBase {
  type: 'char';
  /** The characters in column-major order: for a 1xN char array, the string. */
  text: string;
}
export interface MatCell extends MatBase {
  type: 'cell';
  cells: MatArray[];
}
export interface MatStruct extends MatBase {
  type: 'struct';
  fieldNames: string[];
  /** One record per struct element, column-major. */
  elements: Record<string, MatArray>[];
}
/** Sparse matrices, objects, function handles, opaque (MCOS) values: skipped, not decoded. */
export interface MatUnsupported extends MatBase {
  type: 'unsupported';
  classId: number;
}
export type MatArray = MatNumeric | MatChar | MatCell | MatStruct | MatUnsupported;

/** A malformed or truncated MAT-file: one line naming the file and the reason. */
export class MatFileError extends InputError {
  constructor(message: string, file?: string) {
    super('bad_mat', message, file);
    this.name = 'MatFileError';
  }
}

class Malformed extends Error {}

interface Tag {
  type: number;
  nbytes: number;
  data: number;
  /** Offset of the next element. */
  next: number;
}

class ElementReader {
  private view: DataView;

  constructor(
    private buf: Buffer,
    private le: boolean,
    private skipFields: ReadonlySet<string> = new Set(),
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A reader of the same byte order and options over another buffer (an inflated element). */
  over(buf: Buffer): ElementReader {
    return new ElementReader(buf, this.le, this.skipFields);
  }

  slice(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }

  tag(offset: number, end: number): Tag {
    if (offset + 8 > end) throw new Malformed(`truncated: element tag at byte ${offset} runs past byte ${end}`);
    const first = this.view.getUint32(offset, this.le);
    if (first >>> 16 !== 0) {
      // Small data element: up to 4 bytes of data packed into the tag itself.
      const nbytes = first >>> 16;
      if (nbytes > 4) throw new Malformed(`bad small data element at byte ${offset} (${nbytes} bytes)`);
      return { type: first & 0xffff, nbytes, data: offset + 4, next: offset + 8 };
    }
    const nbytes = this.view.getUint32(offset + 4, this.le);
    const data = offset + 8;
    if (data + nbytes > end) {
      throw new Malformed(`truncated: element at byte ${offset} needs ${nbytes} bytes but only ${end - data} remain`);
    }
    // Compressed elements are not padded; all others are padded to 8 bytes (the padding may be cut at the end).
    const next = first === MI.COMPRESSED ? data + nbytes : Math.min(data + Math.ceil(nbytes / 8) * 8, end);
    return { type: first, nbytes, data, next };
  }

  expect(offset: number, end: number, what: string, ...types: number[]): Tag {
    const tag = this.tag(offset, end);
    if (!types.includes(tag.type)) throw new Malformed(`expected ${what} at byte ${offset} but found data type ${tag.type}`);
    return tag;
  }

  int32s(tag: Tag): number[] {
    const out: number[] = [];
    const size = ELEMENT_SIZES[tag.type];
    if (size === undefined) throw new Malformed(`bad integer data type ${tag.type} at byte ${tag.data - 8}`);
    const n = tag.nbytes / size;
    for (let i = 0; i < n; i++) out.push(this.value(tag.type, tag.data + i * size));
    return out;
  }

  ascii(tag: Tag): string {
    let s = this.buf.toString('latin1', tag.data, tag.data + tag.nbytes);
    const nul = s.indexOf('\0');
    if (nul >= 0) s = s.slice(0, nul);
    return s;
  }

  value(type: number, at: number): number {
    const v = this.view;
    switch (type) {
      case MI.DOUBLE:
        return v.getFloat64(at, this.le);
      case MI.SINGLE:
        return v.getFloat32(at, this.le);
      case MI.INT8:
        return v.getInt8(at);
      case MI.UINT8:
        return v.getUint8(at);
      case MI.INT16:
        return v.getInt16(at, this.le);
      case MI.UINT16:
        return v.getUint16(at, this.le);
      case MI.INT32:
        return v.getInt32(at, this.le);
      case MI.UINT32:
        return v.getUint32(at, this.le);
      case MI.INT64:
        return Number(v.getBigInt64(at, this.le));
      case MI.UINT64:
        return Number(v.getBigUint64(at, this.le));
      default:
        throw new Malformed(`bad numeric data type ${type}`);
    }
  }

  numbers(tag: Tag, count: number): Float64Array {
    const size = ELEMENT_SIZES[tag.type];
    if (size === undefined) throw new Malformed(`bad numeric data type ${tag.type} at byte ${tag.data - 8}`);
    if (tag.nbytes !== count * size) {
      throw new Malformed(`array data at byte ${tag.data - 8} holds ${tag.nbytes / size} values, dimensions say ${count}`);
    }
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.value(tag.type, tag.data + i * size);
    return out;
  }

  chars(tag: Tag, count: number): string {
    const { data, nbytes, type } = tag;
    switch (type) {
      case MI.UTF8:
        return this.buf.toString('utf8', data, data + nbytes);
      case MI.UINT8:
      case MI.INT8:
        this.checkCount(tag, count, 1);
        return this.buf.toString('latin1', data, data + nbytes);
      case MI.UINT16:
      case MI.UTF16: {
        this.checkCount(tag, count, 2);
        if (this.le) return this.buf.toString('utf16le', data, data + nbytes);
        let s = '';
        for (let i = 0; i < count; i++) s += String.fromCharCode(this.view.getUint16(data + 2 * i, false));
        return s;
      }
      case MI.UTF32:
      case MI.UINT32:
      case MI.INT32: {
        this.checkCount(tag, count, 4);
        let s = '';
        for (let i = 0; i < count; i++) s += String.fromCodePoint(this.view.getUint32(data + 4 * i, this.le));
        return s;
      }
      default:
        throw new Malformed(`bad character data type ${type} at byte ${data - 8}`);
    }
  }

  private checkCount(tag: Tag, count: number, size: number): void {
    if (tag.nbytes !== count * size) {
      throw new Malformed(`char data at byte ${tag.data - 8} holds ${tag.nbytes / size} characters, dimensions say ${count}`);
    }
  }

  /** Parses the body of a miMATRIX element spanning [start, end). */
  matrix(start: number, end: number): MatArray {
    if (start === end) return { type: 'numeric', class: 'double', logical: false, name: '', dims: [0, 0], real: new Float64Array(0) };
    const flagsTag = this.expect(start, end, 'array flags', MI.UINT32);
    if (flagsTag.nbytes < 4) throw new Malformed(`array flags at byte ${start} are ${flagsTag.nbytes} bytes`);
    const flags = this.view.getUint32(flagsTag.data, this.le);
    const classId = flags & 0xff;
    const complex = (flags & 0x0800) !== 0;
    const logical = (flags & 0x0200) !== 0;
    if (classId === MX.OBJECT || classId === MX.SPARSE || classId > MX.UINT64 || classId === 0) {
      return { type: 'unsupported', classId, name: '', dims: [] };
    }
    const dimsTag = this.expect(flagsTag.next, end, 'dimensions', MI.INT32);
    const dims = this.int32s(dimsTag);
    if (dims.length < 2 || dims.some((d) => d < 0)) throw new Malformed(`bad dimensions [${dims.join(' ')}] at byte ${flagsTag.next}`);
    const count = dims.reduce((a, b) => a * b, 1);
    const nameTag = this.expect(dimsTag.next, end, 'array name', MI.INT8, MI.UINT8);
    const name = this.ascii(nameTag);
    let at = nameTag.next;

    const numericClass = NUMERIC_CLASSES[classId];
    if (numericClass) {
      const realTag = this.tag(at, end);
      const real = this.numbers(realTag, count);
      const out: MatNumeric = { type: 'numeric', class: numericClass, logical, name, dims, real };
      if (complex) out.imag = this.numbers(this.tag(realTag.next, end), count);
      return out;
    }
    if (classId === MX.CHAR) {
      if (count === 0 && at >= end) return { type: 'char', name, dims, text: '' };
      return { type: 'char', name, dims, text: this.chars(this.tag(at, end), count) };
    }
    if (classId === MX.CELL) {
      const cells: MatArray[] = [];
      this.checkElements(count, 1, at, end);
      for (let i = 0; i < count; i++) {
        const { value, next } = this.child(at, end);
        cells.push(value);
        at = next;
      }
      return { type: 'cell', name, dims, cells };
    }
    // MX.STRUCT
    const lengthTag = this.expect(at, end, 'field name length', MI.INT32);
    const fieldLength = this.int32s(lengthTag)[0] ?? 0;
    const namesTag = this.expect(lengthTag.next, end, 'field names', MI.INT8, MI.UINT8);
    const fieldNames: string[] = [];
    if (fieldLength > 0) {
      for (let i = 0; i + fieldLength <= namesTag.nbytes; i += fieldLength) {
        fieldNames.push(this.ascii({ ...namesTag, data: namesTag.data + i, nbytes: fieldLength }));
      }
    }
    at = namesTag.next;
    this.checkElements(count, fieldNames.length, at, end);
    const elements: Record<string, MatArray>[] = [];
    for (let i = 0; i < count; i++) {
      const record: Record<string, MatArray> = {};
      for (const field of fieldNames) {
        if (this.skipFields.has(field)) {
          at = this.expect(at, end, 'a nested array', MI.MATRIX).next;
          continue;
        }
        const { value, next } = this.child(at, end);
        record[field] = value;
        at = next;
      }
      elements.push(record);
    }
    return { type: 'struct', name, dims, fieldNames, elements };
  }

  /**
   * Each cell or struct field holds at least an 8-byte miMATRIX tag, so dimensions claiming more elements than the
   * bytes left can hold are a lie (a 192-byte file claiming 1x2147483647 elements would otherwise exhaust memory).
   */
  private checkElements(count: number, perElement: number, at: number, end: number): void {
    const room = end - at;
    const fits = perElement === 0 ? count <= Math.max(room, this.buf.length) : count * perElement * 8 <= room;
    if (!fits) throw new Malformed(`dimensions claim ${count} elements at byte ${at} but only ${room} bytes remain`);
  }

  private child(at: number, end: number): { value: MatArray; next: number } {
    const tag = this.expect(at, end, 'a nested array', MI.MATRIX);
    return { value: this.matrix(tag.data, tag.data + tag.nbytes), next: tag.next };
  }
}

export interface ParseMatOptions {
  /** Struct fields to leave out (not decoded, absent from the records), e.g. imdb.mat's names: saves memory. */
  skipFields?: Iterable<string>;
}

/** Parses a whole MAT-file held in memory. Throws MatFileError (one line, naming `file`) when malformed. */
export function parseMat(buf: Buffer, file = 'MAT-file', options: ParseMatOptions = {}): Map<string, MatArray> {
  try {
    return parseVariables(buf, new Set(options.skipFields ?? []));
  } catch (err) {
    if (err instanceof MatFileError) throw err;
    throw new MatFileError(errorMessage(err), file);
  }
}

function parseVariables(buf: Buffer, skipFields: ReadonlySet<string>): Map<string, MatArray> {
  if (buf.length < 128) throw new Malformed(`truncated: ${buf.length} bytes, shorter than the 128-byte MAT-file header`);
  const text = buf.toString('latin1', 0, 116);
  if (text.startsWith('MATLAB 7.3')) throw new Malformed('MATLAB v7.3 (HDF5) MAT-files are not supported; save with -v7');
  if (!text.startsWith('MATLAB')) throw new Malformed('not a MATLAB level 5 MAT-file (no "MATLAB" header text)');
  const endian = buf.toString('latin1', 126, 128);
  if (endian !== 'IM' && endian !== 'MI') throw new Malformed(`bad endian indicator "${endian}" in the header`);
  const variables = new Map<string, MatArray>();
  readElements(new ElementReader(buf, endian === 'IM', skipFields), 128, buf.length, variables, true);
  return variables;
}

/** Largest MAT-file read (the official imdb.mat is well under it). */
const MAX_MAT_BYTES = 2 ** 31 - 1;
/** zlib rarely beats 100:1 on real arrays; past 256:1 (and 64 MiB) a compressed element is treated as a bomb. */
const MAX_INFLATE_RATIO = 256;
const MIN_INFLATE_LIMIT = 64 * 1024 * 1024;

function maxInflated(compressedBytes: number): number {
  return Math.min(MAX_MAT_BYTES, Math.max(MIN_INFLATE_LIMIT, compressedBytes * MAX_INFLATE_RATIO));
}

function readElements(r: ElementReader, start: number, end: number, out: Map<string, MatArray>, top: boolean): void {
  let at = start;
  while (at < end) {
    const tag = r.tag(at, end);
    if (tag.type === MI.COMPRESSED) {
      if (!top) throw new Malformed(`nested compressed element at byte ${at}`);
      let inflated: Buffer;
      try {
        inflated = inflateSync(r.slice(tag.data, tag.data + tag.nbytes), { maxOutputLength: maxInflated(tag.nbytes) });
      } catch (err) {
        throw new Malformed(`compressed element at byte ${at} does not inflate (${errorMessage(err)})`);
      }
      readElements(r.over(inflated), 0, inflated.length, out, false);
    } else if (tag.type === MI.MATRIX) {
      const value = r.matrix(tag.data, tag.data + tag.nbytes);
      if (value.name) out.set(value.name, value);
    }
    at = tag.next;
  }
}

/** Reads and parses a MAT-file; errors (missing file too) are one line naming the file. */
export async function readMat(file: string, options: ParseMatOptions = {}): Promise<Map<string, MatArray>> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(file, MAX_MAT_BYTES);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('unreadable', errorMessage(err).replace(/^[A-Z]+: /, ''), file);
  }
  return parseMat(buf, file, options);
}

/** The rows of a char array (column-major storage), e.g. ['ab', 'cd'] for a 2x2 char matrix. */
export function charRows(value: MatChar): string[] {
  const [rows = 0, cols = 0] = value.dims;
  if (rows === 1) return [value.text];
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    let s = '';
    for (let j = 0; j < cols; j++) s += value.text[j * rows + i] ?? '';
    out.push(s);
  }
  return out;
}

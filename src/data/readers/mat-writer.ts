// A small MATLAB level 5 MAT-file writer, so tests can build faithful imdb.mat / wiki.mat fixtures (no real one
// is available). It writes what MATLAB's `save -v7` writes: 128-byte header, one miMATRIX per variable, each
// optionally wrapped in miCOMPRESSED (zlib), small data element format for data of 4 bytes or less, numeric data
// optionally stored in a narrower type than its class (MATLAB stores integer-valued doubles as uint8 etc.).
import { writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { MI, MX, type MatNumericClass } from './mat.js';

export type MatStorage = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export type MatValue =
  | { kind: 'numeric'; class: MatNumericClass; dims: number[]; data: ArrayLike<number>; storage?: MatStorage; logical?: boolean }
  | { kind: 'char'; dims: number[]; text: string; storage?: 'uint16' | 'utf8' }
  | { kind: 'cell'; dims: number[]; cells: MatValue[] }
  | { kind: 'struct'; dims: number[]; fieldNames: string[]; elements: Record<string, MatValue>[] };

export interface WriteMatOptions {
  /** Wrap each variable in a zlib-compressed element, as `save -v7` does (default true). */
  compress?: boolean;
  endian?: 'little' | 'big';
  /** Header text (at most 116 characters). */
  header?: string;
}

interface NumericOptions {
  /** Default [1, n]: a row vector, as imdb.mat's fields are. */
  dims?: number[];
  storage?: MatStorage;
}

/** Builders for the values a fixture needs. */
export const mat = {
  numeric(cls: MatNumericClass, data: ArrayLike<number> | number, options: NumericOptions = {}): MatValue {
    const values = typeof data === 'number' ? [data] : data;
    return { kind: 'numeric', class: cls, dims: options.dims ?? [1, values.length], data: values, storage: options.storage };
  },
  double(data: ArrayLike<number> | number, options: NumericOptions = {}): MatValue {
    return mat.numeric('double', data, options);
  },
  char(text: string, storage: 'uint16' | 'utf8' = 'uint16'): MatValue {
    return { kind: 'char', dims: [text.length === 0 ? 0 : 1, text.length], text, storage };
  },
  /** A 1xN cell array (or `dims`). */
  cell(cells: MatValue[], dims?: number[]): MatValue {
    return { kind: 'cell', dims: dims ?? [1, cells.length], cells };
  },
  /** A 1x1 struct. */
  struct(fields: Record<string, MatValue>): MatValue {
    return { kind: 'struct', dims: [1, 1], fieldNames: Object.keys(fields), elements: [fields] };
  },
};

const STORAGE: Record<MatStorage, { type: number; size: number }> = {
  double: { type: MI.DOUBLE, size: 8 },
  single: { type: MI.SINGLE, size: 4 },
  int8: { type: MI.INT8, size: 1 },
  uint8: { type: MI.UINT8, size: 1 },
  int16: { type: MI.INT16, size: 2 },
  uint16: { type: MI.UINT16, size: 2 },
  int32: { type: MI.INT32, size: 4 },
  uint32: { type: MI.UINT32, size: 4 },
  int64: { type: MI.INT64, size: 8 },
  uint64: { type: MI.UINT64, size: 8 },
};

const CLASS_IDS: Record<MatNumericClass, number> = {
  double: MX.DOUBLE,
  single: MX.SINGLE,
  int8: MX.INT8,
  uint8: MX.UINT8,
  int16: MX.INT16,
  uint16: MX.UINT16,
  int32: MX.INT32,
  uint32: MX.UINT32,
  int64: MX.INT64,
  uint64: MX.UINT64,
};

const FIELD_NAME_LENGTH = 32;

class Encoder {
  constructor(private le: boolean) {}

  element(type: number, payload: Buffer): Buffer {
    if (payload.length <= 4 && payload.length > 0 && type !== MI.MATRIX) {
      const out = Buffer.alloc(8);
      this.u32(out, 0, (payload.length << 16) | type);
      payload.copy(out, 4);
      return out;
    }
    const padded = Math.ceil(payload.length / 8) * 8;
    const out = Buffer.alloc(8 + padded);
    this.u32(out, 0, type);
    this.u32(out, 4, payload.length);
    payload.copy(out, 8);
    return out;
  }

  numbers(storage: MatStorage, data: ArrayLike<number>): Buffer {
    const { type, size } = STORAGE[storage];
    const out = Buffer.alloc(data.length * size);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      const at = i * size;
      switch (type) {
        case MI.DOUBLE:
          view.setFloat64(at, v, this.le);
          break;
        case MI.SINGLE:
          view.setFloat32(at, v, this.le);
          break;
        case MI.INT8:
          view.setInt8(at, v);
          break;
        case MI.UINT8:
          view.setUint8(at, v);
          break;
        case MI.INT16:
          view.setInt16(at, v, this.le);
          break;
        case MI.UINT16:
          view.setUint16(at, v, this.le);
          break;
        case MI.INT32:
          view.setInt32(at, v, this.le);
          break;
        case MI.UINT32:
          view.setUint32(at, v, this.le);
          break;
        case MI.INT64:
          view.setBigInt64(at, BigInt(v), this.le);
          break;
        default:
          view.setBigUint64(at, BigInt(v), this.le);
      }
    }
    return out;
  }

  matrix(value: MatValue, name: string): Buffer {
    const parts: Buffer[] = [];
    const classId =
      value.kind === 'numeric' ? CLASS_IDS[value.class] : value.kind === 'char' ? MX.CHAR : value.kind === 'cell' ? MX.CELL : MX.STRUCT;
    const logical = value.kind === 'numeric' && value.logical ? 0x0200 : 0;
    parts.push(this.element(MI.UINT32, this.numbers('uint32', [classId | logical, 0])));
    parts.push(this.element(MI.INT32, this.numbers('int32', value.dims)));
    parts.push(this.element(MI.INT8, Buffer.from(name, 'latin1')));
    switch (value.kind) {
      case 'numeric': {
        const storage = value.storage ?? value.class;
        parts.push(this.element(STORAGE[storage].type, this.numbers(storage, value.data)));
        break;
      }
      case 'char': {
        if (value.storage === 'utf8') parts.push(this.element(MI.UTF8, Buffer.from(value.text, 'utf8')));
        else {
          const codes = Array.from({ length: value.text.length }, (_, i) => value.text.charCodeAt(i));
          parts.push(this.element(MI.UINT16, this.numbers('uint16', codes)));
        }
        break;
      }
      case 'cell':
        for (const cell of value.cells) parts.push(this.matrix(cell, ''));
        break;
      case 'struct': {
        parts.push(this.element(MI.INT32, this.numbers('int32', [FIELD_NAME_LENGTH])));
        const names = Buffer.alloc(value.fieldNames.length * FIELD_NAME_LENGTH);
        value.fieldNames.forEach((field, i) => {
          if (field.length >= FIELD_NAME_LENGTH) throw new Error(`field name ${field} is too long`);
          names.write(field, i * FIELD_NAME_LENGTH, 'latin1');
        });
        parts.push(this.element(MI.INT8, names));
        for (const record of value.elements) {
          for (const field of value.fieldNames) {
            const v = record[field];
            if (!v) throw new Error(`struct element lacks field ${field}`);
            parts.push(this.matrix(v, ''));
          }
        }
        break;
      }
    }
    return this.element(MI.MATRIX, Buffer.concat(parts));
  }

  header(text: string): Buffer {
    const out = Buffer.alloc(128, ' ');
    out.write(text.slice(0, 116), 0, 'latin1');
    out.fill(0, 116, 124);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint16(124, 0x0100, this.le);
    view.setUint16(126, 0x4d49, this.le); // 'MI' as a number: reads back as "IM" on a little-endian file
    return out;
  }

  private u32(buf: Buffer, at: number, v: number): void {
    if (this.le) buf.writeUInt32LE(v >>> 0, at);
    else buf.writeUInt32BE(v >>> 0, at);
  }
}

/** Encodes variables as a MAT-file image. */
export function encodeMat(variables: Record<string, MatValue>, options: WriteMatOptions = {}): Buffer {
  const enc = new Encoder((options.endian ?? 'little') === 'little');
  const parts = [enc.header(options.header ?? 'MATLAB 5.0 MAT-file, Platform: howold test fixture')];
  for (const [name, value] of Object.entries(variables)) {
    const element = enc.matrix(value, name);
    if (options.compress ?? true) {
      const z = deflateSync(element);
      const tag = Buffer.alloc(8);
      const view = new DataView(tag.buffer);
      view.setUint32(0, MI.COMPRESSED, options.endian !== 'big');
      view.setUint32(4, z.length, options.endian !== 'big');
      parts.push(tag, z);
    } else parts.push(element);
  }
  return Buffer.concat(parts);
}

export async function writeMat(file: string, variables: Record<string, MatValue>, options: WriteMatOptions = {}): Promise<void> {
  await writeFile(file, encodeMat(variables, options));
}

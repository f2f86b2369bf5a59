// Reads a file with the limits a hostile path needs: regular files only (no /dev/zero, FIFOs, sockets),
// refused by size before a byte is read, and never more bytes than the size checked.
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { InputError, errorMessage } from './errors.js';

/** Files larger than this are refused before reading (a 50 MP JPEG is well under it). */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : `${+(n / 1024).toFixed(1)} kB`;
}

export function tooLarge(size: number, maxBytes: number, label: string): InputError {
  return new InputError('too_large', `file is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}`, label);
}

/** The bytes of a regular file of at most `maxBytes`; InputError ('unreadable', 'not_a_file', 'too_large', 'unreadable') otherwise. */
export async function readRegularFile(path: string, maxBytes = DEFAULT_MAX_BYTES, label = path): Promise<Buffer> {
  const info = await stat(path).catch((err: unknown) => {
    throw new InputError('unreadable', `cannot read file (${errorMessage(err)})`, label);
  });
  if (!info.isFile()) throw new InputError('not_a_file', `not a regular file (${kind(info)})`, label);
  if (info.size > maxBytes) throw tooLarge(info.size, maxBytes, label);
  // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not wait for a writer
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: unknown) => {
    throw new InputError('unreadable', `cannot read file (${errorMessage(err)})`, label);
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new InputError('not_a_file', `not a regular file (${kind(opened)})`, label);
    if (opened.size > maxBytes) throw tooLarge(opened.size, maxBytes, label);
    // one byte more than allowed tells a file that grew since the stat
    const buffer = Buffer.allocUnsafe(Math.min(opened.size, maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw tooLarge(filled, maxBytes, label);
    return buffer.subarray(0, filled);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('unreadable', `cannot read file (${errorMessage(err)})`, label);
  } finally {
    await handle.close();
  }
}

function kind(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, extname, join } from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.gif', '.tif', '.tiff']);

/** An image by its name: a known image extension and not a hidden file (.DS_Store, macOS `._x.jpg` forks). */
export function isImageName(name: string): boolean {
  const base = basename(name);
  return !base.startsWith('.') && IMAGE_EXTENSIONS.has(extname(base).toLowerCase());
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface WalkOptions {
  /**
   * Called for a subfolder that cannot be read (EACCES, vanished): the walk goes on without it. Default: throw,
   * except for the top folder, which always throws.
   */
  onError?: (path: string, err: Error) => void;
}

/**
 * Every regular file under `dir`, recursively, in a fixed order (names sorted by code point, folders entered where
 * they sort), so a dataset always streams in the same order whatever the file system returns. Symbolic links are
 * followed, but each real folder is entered once and each real file given once (a link to `.` is no loop), and
 * devices, FIFOs and sockets are left out.
 */
export async function* walkFiles(dir: string, options: WalkOptions = {}): AsyncGenerator<string> {
  const top = await stat(dir);
  const seen = new Set<string>([identity(top)]);
  yield* walk(dir, seen, options, true);
}

function identity(info: Stats): string {
  return `${info.dev}:${info.ino}`;
}

async function* walk(dir: string, seen: Set<string>, options: WalkOptions, top: boolean): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (top || !options.onError) throw err;
    options.onError(dir, err as Error);
    return;
  }
  entries.sort((a, b) => byCodePoint(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (!entry.isDirectory() && !entry.isFile() && !entry.isSymbolicLink()) continue;
    const info = await stat(path).catch(() => undefined);
    if (!info || (!info.isDirectory() && !info.isFile())) continue;
    const id = identity(info);
    if (seen.has(id)) continue;
    seen.add(id);
    if (info.isDirectory()) yield* walk(path, seen, options, false);
    else yield path;
  }
}

import { readdir, stat } from 'node:fs/promises';
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

/**
 * Every file under `dir`, recursively, in a fixed order (names sorted by code point, folders entered where
 * they sort), so a dataset always streams in the same order whatever the file system returns.
 */
export async function* walkFiles(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => byCodePoint(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) yield* walkFiles(path);
    else if (isFile) yield path;
  }
}

// Crash-safe file and folder writes for run folders: a reader only ever sees a complete old or a complete new
// version, whenever the process is killed.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not supported on every platform; the renames are still atomic
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a file (fsynced) without renaming it into place. */
export async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `path` via a temporary file and a rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // unique per call, so two writers of one file (two runs, two workers) never share a temporary file
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeDurable(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

/**
 * Fills a fresh temporary folder with `write`, then swaps it in for `dir`. A folder cannot be renamed over a
 * non-empty one, so the old version is first renamed aside to `dir.old` and removed after the swap; if a kill
 * falls between the two renames, `recoverDir` puts `dir.old` back. A kill during `write` leaves `dir` untouched.
 */
export async function replaceDir(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await recoverDir(dir);
  const prefix = `${basename(dir)}.tmp-`;
  for (const name of await readdir(parent)) {
    if (name.startsWith(prefix)) await rm(join(parent, name), { recursive: true, force: true });
  }
  const tmp = join(parent, `${prefix}${process.pid}`);
  await mkdir(tmp, { recursive: true });
  try {
    await write(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await syncDir(tmp);
  const old = `${dir}.old`;
  const hadOld = await exists(dir);
  if (hadOld) await rename(dir, old);
  await rename(tmp, dir);
  await syncDir(parent);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/** Completes or undoes an interrupted `replaceDir`: afterwards `dir` is a complete version if any exists. */
export async function recoverDir(dir: string): Promise<void> {
  const old = `${dir}.old`;
  if (!(await exists(old))) return;
  if (await exists(dir)) await rm(old, { recursive: true, force: true });
  else await rename(old, dir);
}

/** The lines of a JSONL file parsed (a torn last line from a kill is dropped); [] if it does not exist. */
export async function readJsonl<T = Record<string, unknown>>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

/** Rewrites a JSONL file keeping the lines `keep` accepts (atomically). */
export async function filterJsonl(path: string, keep: (line: Record<string, unknown>) => boolean): Promise<number> {
  if (!(await exists(path))) return 0;
  const lines = await readJsonl(path);
  const kept = lines.filter(keep);
  await writeFileAtomic(path, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return lines.length - kept.length;
}

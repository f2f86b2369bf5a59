// A JSON Lines output file that appears whole or not at all: written to a temporary file, renamed on commit.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

export interface LinesFile {
  write(value: unknown): void;
  /** Finishes the file and renames it into place. */
  commit(): Promise<void>;
  /** Removes the temporary file unless committed. */
  abandon(): Promise<void>;
}

export async function openLines(path: string): Promise<LinesFile> {
  const tmp = `${path}.tmp-${process.pid}`;
  const stream = createWriteStream(tmp);
  await once(stream, 'open');
  let committed = false;
  return {
    write(value) {
      stream.write(`${JSON.stringify(value)}\n`);
    },
    async commit() {
      stream.end();
      await once(stream, 'finish');
      await rename(tmp, path);
      committed = true;
    },
    async abandon() {
      if (committed) return;
      stream.destroy();
      await rm(tmp, { force: true });
    },
  };
}

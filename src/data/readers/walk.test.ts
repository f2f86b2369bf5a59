import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { walkFiles } from './walk.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-walk-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function all(root: string, onError?: (p: string, e: Error) => void): Promise<string[]> {
  const out: string[] = [];
  for await (const file of walkFiles(root, { onError })) out.push(path.relative(root, file));
  return out;
}

test('walkFiles: links to . and .. are no loop, each real file comes once, devices and FIFOs are left out', async () => {
  const root = path.join(dir, 'l');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(root, 'a.jpg'), 'a');
  writeFileSync(path.join(root, 'sub', 'b.jpg'), 'b');
  symlinkSync('.', path.join(root, 'self'));
  symlinkSync('.', path.join(root, 'self2'));
  symlinkSync('..', path.join(root, 'sub', 'up'));
  symlinkSync('a.jpg', path.join(root, 'link-a.jpg'));
  symlinkSync('/dev/zero', path.join(root, 'zero.jpg'));
  symlinkSync('nowhere', path.join(root, 'dangling.jpg'));
  assert.deepEqual(await all(root), ['a.jpg', path.join('sub', 'b.jpg')]);
});

test('walkFiles: a subfolder that cannot be read is reported and skipped; the top folder itself throws', async () => {
  const root = path.join(dir, 'locked');
  mkdirSync(path.join(root, 'b'), { recursive: true });
  writeFileSync(path.join(root, 'a.jpg'), 'a');
  writeFileSync(path.join(root, 'c.jpg'), 'c');
  writeFileSync(path.join(root, 'b', 'x.jpg'), 'x');
  chmodSync(path.join(root, 'b'), 0o000);
  chmodSync(dir, 0o755);
  // root reads any folder: walk as nobody then
  const script = `import { walkFiles } from ${JSON.stringify(new URL('./walk.ts', import.meta.url).href)};
    const out = [];
    for await (const f of walkFiles(process.argv[1], { onError: (p, e) => out.push('error ' + p + ' ' + e.code) })) out.push(f);
    console.log(JSON.stringify(out));`;
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [cmd, ...args] = [...asNobody, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script, root];
  const out = JSON.parse(execFileSync(cmd!, args, { encoding: 'utf8', cwd: fileURLToPath(new URL('../../..', import.meta.url)) })) as string[];
  assert.deepEqual(out, [path.join(root, 'a.jpg'), `error ${path.join(root, 'b')} EACCES`, path.join(root, 'c.jpg')]);
  chmodSync(path.join(root, 'b'), 0o755);
  await assert.rejects(all(path.join(dir, 'missing')), /ENOENT/);
});

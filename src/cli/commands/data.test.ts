import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

test('howold data prepare refuses labels that give only age groups: it would train on the groups\' middles', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'howold-data-'));
  try {
    const manifest = path.join(dir, 'groups.csv');
    writeFileSync(manifest, 'path,age_group\na.jpg,20-29\nb.jpg,0-2\n');
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin/howold.js'), 'data', 'prepare', manifest, '--format', 'csv', '--out', path.join(dir, 'shards')], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /howold data prepare: 2 rows give an age group, not an age: rejected \(age_group_only; use them with howold eval\)\n/);
    assert.match(run.stderr, new RegExp(`${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no rows with an age to prepare \\(the labels give only age groups\\)\n$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

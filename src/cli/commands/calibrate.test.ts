import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAgeEstimator } from '../../index.js';
import { ageQuantile, expectedAge } from '../../models/dex.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');
const dir = mkdtempSync(path.join(tmpdir(), 'howold-calibrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function modelCopy(name: string): string {
  const copy = path.join(dir, name);
  cpSync(path.join(repoRoot, 'models/default'), copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}run`) });
  return copy;
}

test('howold calibrate --write stores a temperature that brings the coverage near 80% on the faces it saw', async () => {
  const model = modelCopy('fit');
  // every 150th UTKFace crop (127 faces), ages from the file names
  const files = readdirSync(utkface).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 150 === 0);
  const manifest = path.join(dir, 'faces.jsonl');
  writeFileSync(manifest, files.map((f) => JSON.stringify({ path: path.join(utkface, f), age: Number(f.split('_')[0]) })).join('\n'));
  const { stdout } = await run(process.execPath, [path.join(repoRoot, 'bin/howold.js'), 'calibrate', manifest, '--labels', 'csv', '--detector', 'crop', '--model', model, '--write'], { cwd: repoRoot });
  assert.match(stdout, /temperature [\d.]+ on \d+ faces: interval coverage [\d.]+% -> [\d.]+%/);
  const meta = JSON.parse(readFileSync(path.join(model, 'howold.json'), 'utf8'));
  assert.equal(meta.calibration.method, 'temperature');
  assert.ok(['mean', 'median'].includes(meta.calibration.readout), `readout ${meta.calibration.readout}`);
  const { mean, median } = meta.calibration.readoutMae;
  assert.equal(meta.calibration.readout, median < mean ? 'median' : 'mean', `MAE mean ${mean}, median ${median}`);
  assert.ok(meta.calibration.n >= 100, `n ${meta.calibration.n}`);
  assert.ok(Math.abs(meta.calibration.coverageAfter - 0.8) <= 0.03, `coverage after ${meta.calibration.coverageAfter}`);
  assert.ok(meta.name && meta.preprocessing, 'the rest of howold.json is kept');
});

test("the estimator reads the model's calibration: a temperature of 2 widens every interval, calibrated: false ignores it", async () => {
  const model = modelCopy('wide');
  const file = path.join(model, 'howold.json');
  const meta = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...meta, calibration: { method: 'temperature', temperature: 2, fittedOn: 'test', n: 0, interval: [0.1, 0.9], coverageBefore: 0, coverageAfter: 0 } }));
  const photo = path.join(repoRoot, 'examples/astronaut.png');
  const calibrated = await createAgeEstimator({ model });
  const raw = await createAgeEstimator({ model, calibrated: false });
  try {
    const [a] = await calibrated(photo);
    const [b] = await raw(photo);
    assert.ok(a && b);
    assert.ok(a.high - a.low > 1.25 * (b.high - b.low), `calibrated ${a.low}-${a.high}, raw ${b.low}-${b.high}`);
    assert.ok(Math.abs(a.age - b.age) < 1e-6, 'the age itself is not recalibrated');
  } finally {
    await calibrated.dispose();
    await raw.dispose();
  }
});

test("the estimator reads its age by the calibration's readout: the median of the raw distribution with readout 'median'", async () => {
  const model = modelCopy('median');
  const file = path.join(model, 'howold.json');
  const meta = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...meta, calibration: { method: 'temperature', temperature: 2, fittedOn: 'test', n: 0, interval: [0.1, 0.9], coverageBefore: 0, coverageAfter: 0, readout: 'median' } }));
  const photo = path.join(repoRoot, 'examples/astronaut.png');
  const median = await createAgeEstimator({ model });
  const raw = await createAgeEstimator({ model, calibrated: false });
  try {
    const [a] = await median(photo);
    const [b] = await raw(photo);
    assert.ok(a && b);
    assert.ok(Math.abs(b.age - expectedAge(b.distribution)) < 1e-4, 'without calibration: the mean');
    assert.ok(Math.abs(a.age - ageQuantile(b.distribution, 0.5)) < 1e-4, `median of the raw distribution: ${a.age} vs ${ageQuantile(b.distribution, 0.5)}`);
    assert.ok(Math.abs(a.age - b.age) > 1e-3, 'median and mean differ on a real face');
  } finally {
    await median.dispose();
    await raw.dispose();
  }
});

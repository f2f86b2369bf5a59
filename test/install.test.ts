// howold as a user gets it: the build (`npm run build`, which prepack runs) packed by `npm pack` (web/dist is
// built by pretest, as by npm ci's prepare), a plain `npm install` of the tarball into a fresh
// project outside the repo (no .npmrc of ours, no npm_* variables; --prefer-offline takes the deps from npm's
// cache, which `npm ci` filled), then the installed package imported from plain Node, the installed CLI run, and a
// strict TypeScript consumer type-checked. Figures (tarball, node_modules, import time) go to the test's diagnostics.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAgeEstimator } from '../src/index.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const groupDir = path.join(repo, '../shared/datasets/group-photos');
const groupPhoto = readdirSync(groupDir).filter((f) => f.endsWith('.jpg')).sort()[0]!;

// What npm passes to scripts (npm_config_* from our .npmrc, npm_package_*, ...) would reach the consumer's npm:
// a user's install has none of it.
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))) as NodeJS.ProcessEnv;

let work: string;
let project: string;
let tarball: string;
let installLog: string;
const sh = (cmd: string, args: string[], cwd = project) => run(cmd, args, { cwd, env: userEnv, maxBuffer: 64 << 20 });
const npm = (args: string[], cwd = project) => sh('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], cwd);

async function megabytes(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sm', dir]);
  return Number(stdout.split('\t')[0]);
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'howold-install-'));
  project = path.join(work, 'consumer');
  await mkdir(project);
  await sh('npm', ['run', 'build'], repo);
  const { stdout } = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], repo);
  tarball = path.join(work, (JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[])[0]!.filename);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const installed = await npm(['install', tarball]);
  installLog = installed.stdout + installed.stderr;
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball holds the built package and what users need, nothing else', async (t) => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/train/index.js', 'dist/browser.js', 'dist/cli/main.js', 'bin/howold.js', 'models/default/model.onnx', 'models/detector/ssd_mobilenetv1.onnx', 'web/dist/index.html', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const unwanted = files.filter((f) => /^(src|test|bench|scripts|docs|tmp)\/|\.test\.|\/testing\.|^models\/default\/run\/|_int8\.onnx$/.test(f));
  assert.deepEqual(unwanted, []);
  const size = (await readFile(tarball)).length;
  t.diagnostic(`tarball ${path.basename(tarball)}: ${(size / 1e6).toFixed(1)} MB, ${files.length} files`);
});

test('a plain install: no onnxruntime-node, no TF.js, no tsx; node_modules <= 400 MB', async (t) => {
  const modules = path.join(project, 'node_modules');
  for (const absent of ['onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-core', '@vladmandic/face-api', 'tsx', 'typescript']) {
    assert.equal(existsSync(path.join(modules, absent)), false, `${absent} is not installed`);
  }
  assert.ok(existsSync(path.join(modules, 'onnxruntime-web/dist/ort-wasm-simd-threaded.wasm')), 'the wasm runtime ships in onnxruntime-web');
  assert.doesNotMatch(installLog, /EBADENGINE/, 'every dependency supports this Node');
  const mb = await megabytes(modules);
  t.diagnostic(`inference-only consumer node_modules: ${mb} MB`);
  assert.ok(mb <= 400, `${mb} MB`);
});

test("import 'howold' from plain Node: ages on real photos, the same as the repo's own run; require() too", async (t) => {
  const photos = [path.join(project, 'node_modules/howold/examples/astronaut.png'), path.join(groupDir, groupPhoto)];
  await writeFile(
    path.join(project, 'index.mjs'),
    `const t0 = performance.now();
const { createAgeEstimator, HowoldError } = await import('howold');
const imported = performance.now() - t0;
const estimate = await createAgeEstimator();
const created = performance.now() - t0;
const photos = ${JSON.stringify(photos)};
const results = [];
for (const photo of photos) results.push((await estimate(photo)).map((f) => ({ age: f.age, box: f.box })));
let error;
try { await estimate(Buffer.from('not an image')); } catch (err) { error = { hw: err instanceof HowoldError, code: err.code }; }
console.log(JSON.stringify({ imported, created, engine: estimate.engine, detector: estimate.detector.engine, note: estimate.detector.note, estimatorNote: estimate.note, results, error }));
await estimate.dispose();
`,
  );
  const { stdout } = await sh('node', ['index.mjs']);
  const got = JSON.parse(stdout) as {
    imported: number;
    created: number;
    engine: string;
    detector: string;
    note?: string;
    estimatorNote?: string;
    results: { age: number; box: { x: number; y: number; width: number; height: number } }[][];
    error: { hw: boolean; code: string };
  };
  t.diagnostic(`import 'howold' ${got.imported.toFixed(0)} ms; createAgeEstimator() done at ${got.created.toFixed(0)} ms (cold, onnxruntime-web)`);
  assert.equal(got.engine, 'onnxruntime-web');
  assert.equal(got.detector, 'onnxruntime-web');
  assert.match(got.note ?? '', /onnxruntime-node is not available \(not installed\); running onnxruntime-web/);
  // one note for the age model and the detector, with what to install
  assert.equal(got.estimatorNote, got.note);
  assert.match(got.estimatorNote ?? '', /~4x slower; for full speed: npm install onnxruntime-node/);
  assert.deepEqual(got.error, { hw: true, code: 'not_an_image' });

  // the repo's sources on onnxruntime-node: the same faces and ages
  const reference = await createAgeEstimator();
  try {
    assert.equal(reference.engine, 'onnxruntime-node');
    for (const [i, photo] of photos.entries()) {
      const want = await reference(photo);
      const have = got.results[i]!;
      assert.equal(have.length, want.length, `${photo}: ${have.length} faces, expected ${want.length}`);
      assert.ok(want.length > 0);
      for (const [j, face] of want.entries()) {
        assert.ok(Math.abs(have[j]!.age - face.age) < 0.05, `${photo} face ${j}: age ${have[j]!.age} vs ${face.age}`);
        assert.ok(Math.abs(have[j]!.box.x - face.box.x) < 0.5, `${photo} face ${j}: box`);
      }
    }
    // Eileen Collins, about 38-43 when photographed: any adult answer, the exact one is checked against the repo's above
    const astronautAge = got.results[0]![0]!.age;
    assert.ok(astronautAge >= 20 && astronautAge <= 65, `the astronaut is an adult: ${astronautAge}`);
  } finally {
    await reference.dispose();
  }

  await writeFile(path.join(project, 'require.cjs'), "const h = require('howold'); console.log(typeof h.createAgeEstimator);\n");
  assert.equal((await sh('node', ['require.cjs'])).stdout.trim(), 'function');
});

test('the installed CLI: predict on the example photo, data prepare in worker threads; train says what to install', async () => {
  const bin = path.join(project, 'node_modules/.bin/howold');
  const { stdout, stderr } = await sh(bin, ['predict', 'node_modules/howold/examples/astronaut.png']);
  assert.match(stdout, /astronaut\.png\tface 1\tbox \d+,\d+ \d+x\d+\tage 3\d\.\d\t\(\d+-\d+\)/);
  // without onnxruntime-node: one line says the wasm fallback is slower and how to install the native one
  const notes = stderr.split('\n').filter((line) => /onnxruntime/.test(line));
  assert.deepEqual(notes, [
    'howold predict: onnxruntime-node is not available (not installed); running onnxruntime-web (wasm), ~4x slower; for full speed: npm install onnxruntime-node --onnxruntime-node-install=skip',
  ]);
  // the prepare workers are the package's compiled dist/data/prepare-worker.js (no tsx in this project)
  const faces = path.join(project, 'faces');
  await mkdir(faces);
  const utk = path.join(repo, '../shared/datasets/utkface');
  for (const f of readdirSync(utk).filter((f) => f.endsWith('.jpg')).sort().slice(0, 4)) await copyFile(path.join(utk, f), path.join(faces, f));
  const prepared = await sh(bin, ['data', 'prepare', faces, '--format', 'utkface', '--out', path.join(project, 'shards'), '--workers', '2']);
  assert.match(prepared.stdout + prepared.stderr, /processed 4 rows/);
  assert.ok(existsSync(path.join(project, 'shards/index.json')), 'the shard index is written');
  await assert.rejects(sh(bin, ['train', '--data', 'x', '--model', 'compact-cnn', '--out', 'y']), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /^howold: howold train needs the optional TF\.js dependencies: npm install @tensorflow\/tfjs@\S+ @tensorflow\/tfjs-backend-wasm@\S+/m);
    return true;
  });
  await writeFile(path.join(project, 'train.mjs'), "await import('howold/train');\n");
  await assert.rejects(sh('node', ['train.mjs']), /Cannot find package '@tensorflow\/tfjs/);
});

// The repo's TypeScript and @types/node (the versions in our devDependencies) on the consumer's project: the
// same check as installing them there, without another install.
test('a strict TypeScript consumer type-checks with 0 errors', async () => {
  await writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
        typeRoots: [path.join(repo, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }),
  );
  await writeFile(
    path.join(project, 'consumer.ts'),
    `import { createAgeEstimator, ERROR_CODES, HowoldError, type AgeEstimatorOptions, type Face, type HowoldErrorCode } from 'howold';

const options: AgeEstimatorOptions = { interval: [0.1, 0.9], detector: { mode: 'photo', minScore: 0.5 } };
const estimate = await createAgeEstimator(options);
try {
  const faces: Face[] = await estimate('photo.jpg');
  const first = faces[0];
  if (first) console.log(first.age.toFixed(1), first.low, first.high, first.box.width, first.gender?.label);
  const many = await estimate(['a.jpg', 'b.jpg'], { minScore: 0.3, names: ['first', 'second'] });
  for (const r of many) console.log(r.input, r.error ? r.error.code : r.faces.length + ' faces in ' + r.width + 'x' + r.height);
  const code: HowoldErrorCode = 'not_an_image';
  console.log(ERROR_CODES[code]);
} catch (err) {
  if (err instanceof HowoldError) console.error(err.code, err.file);
} finally {
  await estimate.dispose();
}
export {};
`,
  );
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ ...JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')), type: 'module' }));
  const result = await sh(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', '.']).then(
    (r) => ({ code: 0, out: r.stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
  );
  assert.equal(result.out.trim(), '', 'no errors');
  assert.equal(result.code, 0);
});

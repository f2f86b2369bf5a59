// npm run bench:start: cold start as a user's program sees it. Each run is a fresh Node process that imports the
// built package (dist/, as `import 'howold'` resolves it), calls createAgeEstimator() with the shipped model and
// estimates the example photo once: time to import, to a ready estimator, and to the first ages.
//   npm run bench:start -- [--runs N] [--json out.json] [--project DIR]
// --project DIR: import howold as installed in DIR's node_modules instead (a user's project: `npm install
// howold-<version>.tgz` there, without onnxruntime-node, so the engine is onnxruntime-web's wasm).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseIntegerOption } from '../src/cli/options.js';
import { cpuLine } from './cpu.js';
import { median } from './stats.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '7' }, json: { type: 'string' }, project: { type: 'string' } } });

interface StartRun {
  importMs: number;
  createMs: number;
  firstPhotoMs: number;
  engine: string;
  faces: number;
}

// The child measures from its own start (performance.now() counts from process start), so Node's boot is in.
const CHILD = `
const t0 = performance.now();
const { createAgeEstimator } = await import(process.env.HOWOLD_ENTRY);
const t1 = performance.now();
const estimate = await createAgeEstimator();
const t2 = performance.now();
const faces = await estimate(process.env.HOWOLD_PHOTO);
const t3 = performance.now();
await estimate.dispose();
process.stdout.write(JSON.stringify({ importMs: t1, createMs: t2 - t1, firstPhotoMs: t3 - t2, boot: t0, engine: estimate.engine, faces: faces.length }));
`;

async function main(): Promise<void> {
  const runs = parseIntegerOption(args.runs!, '--runs', 1);
  const entry = args.project ? path.resolve(args.project, 'node_modules/howold/dist/index.js') : path.join(repoRoot, 'dist/index.js');
  if (args.project && !existsSync(entry)) throw new Error(`${entry} not found: install howold in ${args.project} first`);
  if (!existsSync(entry)) {
    process.stderr.write('building dist/ (npm run build)\n');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const photo = path.join(repoRoot, 'examples/astronaut.png');
  const results: StartRun[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: args.project ? path.resolve(args.project) : repoRoot,
      env: { ...process.env, HOWOLD_ENTRY: pathToFileURL(entry).href, HOWOLD_PHOTO: photo },
      encoding: 'utf8',
    });
    results.push(JSON.parse(out) as StartRun);
  }
  const row = {
    cpu: cpuLine(),
    runs,
    engine: results[0]!.engine,
    faces: results[0]!.faces,
    importMs: median(results.map((r) => r.importMs)),
    createMs: median(results.map((r) => r.createMs)),
    firstPhotoMs: median(results.map((r) => r.firstPhotoMs)),
  };
  const total = row.importMs + row.createMs + row.firstPhotoMs;
  const lines: [string, number][] = [
    ["process start to import 'howold' done", row.importMs],
    ['createAgeEstimator() (model + detector)', row.createMs],
    [`first photo (${row.faces} face${row.faces === 1 ? '' : 's'})`, row.firstPhotoMs],
    ['total to the first ages', total],
  ];
  process.stdout.write(
    `CPU: ${row.cpu}\ncold start, median of ${runs} fresh processes (engine ${row.engine}):\n` +
      lines.map(([label, ms]) => `  ${label.padEnd(42)}${ms.toFixed(0).padStart(6)} ms\n`).join(''),
  );
  if (args.json) await writeFile(args.json, `${JSON.stringify({ ...row, totalMs: total, all: results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// Training throughput on TF.js wasm: img/s and peak RSS per registered model, each in its own process (peak RSS is
// per process). Batch 32 (VGG16: batch 8, 2 steps); for compact-cnn also without the replaced kernels ("before")
// (with --before, every model) and, with --ablation, without each replacement in turn.
//   npm run bench:train [-- --models compact-cnn,vgg16-tutorial] [--steps N] [--ablation] [--before] [--options JSON]
//                       [--data-parallel N] [--wasm-threads N]
// --data-parallel N adds, per model, a row with N worker threads each training on 1/N of the batch and averaging
// gradients (bench/train-parallel.ts), and its ratio to the single-thread row of the same run; --wasm-threads N a
// row with TF.js wasm's threaded build forced on in Node and setThreadsCount(N) (bench/wasm-threads.ts), with the
// thread count XNNPACK reports.
// --options are passed to every model's builder (e.g. '{"freeze":"none"}' trains faceapi-xception's backbone too).
// A measurement, not a test: ~2 minutes without VGG16, ~4 with it. Figures go to BENCHMARKS.md by hand.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createModelAsync, getModelEntry, listModels } from '../src/models/index.js';
import { initBackend, tf } from '../src/tf/backend.js';
import { REPLACEABLE_KERNELS, registerTrainingKernels, type ReplaceableKernel } from '../src/train/kernels/index.js';
import { cpuLine } from './cpu.js';
import { benchOptimizer, syntheticBatch } from './synthetic-batch.js';

interface Job {
  model: string;
  batch: number;
  steps: number;
  /** Replaced kernels to register: 'default', 'none', or a list. */
  replace: 'default' | 'none' | string[];
  label: string;
  options?: Record<string, unknown>;
  /** Data-parallel worker threads (absent: this process, one wasm thread). */
  workers?: number;
  /** XNNPACK threads of the threaded wasm build (absent: the plain build, one thread). */
  wasmThreads?: number;
}

interface Result extends Job {
  msPerStep: number;
  imagesPerSecond: number;
  peakRssMB: number;
  params: number;
  registered: string[];
  /** Threads XNNPACK reports once the backend is up. */
  threadsReported?: number;
}

async function runParallel(job: Job): Promise<Result> {
  const { startParallelTrainer } = await import('./train-parallel.js');
  const trainer = await startParallelTrainer({ model: job.model, batch: job.batch, workers: job.workers!, ...(job.options ? { options: job.options } : {}) });
  try {
    await trainer.step();
    const start = performance.now();
    for (let i = 0; i < job.steps; i++) await trainer.step();
    const msPerStep = (performance.now() - start) / job.steps;
    const sums = await trainer.checksums();
    if (sums.some((s) => s !== sums[0])) throw new Error(`data-parallel copies diverged: weight sums ${sums.join(', ')}`);
    return { ...job, msPerStep, imagesPerSecond: (job.batch * 1000) / msPerStep, peakRssMB: process.resourceUsage().maxRSS / 1024, params: trainer.params, registered: [] };
  } finally {
    await trainer.dispose();
  }
}

async function runJob(job: Job): Promise<Result> {
  if (job.workers) return runParallel(job);
  if (job.wasmThreads) (await import('./wasm-threads.js')).enableNodeWasmThreads(job.wasmThreads);
  if ((await initBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not initialise');
  const threadsReported = job.wasmThreads ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : undefined;
  const replace = job.replace === 'default' ? true : job.replace === 'none' ? false : (job.replace as ReplaceableKernel[]);
  const registered = registerTrainingKernels({ replace });

  const entry = getModelEntry(job.model);
  const model = await createModelAsync(job.model, { seed: 1, ...job.options });
  const size = entry.preprocessing.inputSize;
  const { x, targets } = syntheticBatch(tf, model, size, job.batch);
  const optimizer = benchOptimizer(tf, entry);
  const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  // The trainer's step (src/train/fit.ts): variableGrads of the loss, then applyGradients.
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const outputs = model.apply(x, { training: true });
        const probs = Array.isArray(outputs) ? outputs : [outputs];
        const losses = probs.map((p, i) => tf.mean(tf.metrics.categoricalCrossentropy(targets[i]!, p as tf.Tensor)));
        return tf.addN(losses) as tf.Scalar;
      }, variables);
      optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
      return value.dataSync()[0]!;
    });
  step();
  const start = performance.now();
  for (let i = 0; i < job.steps; i++) step();
  const msPerStep = (performance.now() - start) / job.steps;
  return {
    ...job,
    msPerStep,
    imagesPerSecond: (job.batch * 1000) / msPerStep,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    params: model.countParams(),
    registered,
    ...(threadsReported === undefined ? {} : { threadsReported }),
  };
}

function inChild(job: Job): Result {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const line = out.trim().split('\n').at(-1)!;
  return JSON.parse(line) as Result;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

if (process.argv[2] === '--child') {
  // tfjs prints a "use tfjs-node" banner on stdout: the result is the last line.
  console.log(JSON.stringify(await runJob(JSON.parse(process.argv[3]!) as Job)));
} else {
  const wanted = option('--models')?.split(',') ?? listModels().map((m) => m.name);
  const steps = Number(option('--steps') ?? 5);
  const jobs: Job[] = [];
  for (const model of wanted) {
    const big = model.startsWith('vgg16');
    const options = option('--options');
    const base = { model, batch: big ? 8 : 32, steps: big ? 2 : steps, options: options ? (JSON.parse(options) as Record<string, unknown>) : undefined };
    if (model === 'compact-cnn' || process.argv.includes('--before')) {
      jobs.push({ ...base, replace: 'none', label: 'missing gradients only (before)' });
    }
    if (model === 'compact-cnn') {
      if (process.argv.includes('--ablation')) {
        for (const name of REPLACEABLE_KERNELS) {
          jobs.push({ ...base, replace: REPLACEABLE_KERNELS.filter((k) => k !== name), label: `all but ${name}` });
        }
      }
    }
    jobs.push({ ...base, replace: 'default', label: 'all training kernels (after)' });
    const parallel = Number(option('--data-parallel') ?? 0);
    const threads = Number(option('--wasm-threads') ?? 0);
    if (threads > 1) jobs.push({ ...base, replace: 'default', label: `all training kernels, wasm threads x${threads}`, wasmThreads: threads });
    if (parallel > 1) jobs.push({ ...base, replace: 'default', label: `all training kernels, data-parallel x${parallel} (threads)`, workers: parallel });
  }
  const load = loadavg()[0].toFixed(2);
  console.log(`CPU: ${cpuLine()}`);
  console.log('| model | kernels | batch | ms/step | img/s | vs 1 thread | peak RSS (MB) |\n|---|---|---|---|---|---|---|');
  const single = new Map<string, number>();
  for (const job of jobs) {
    const r = inChild(job);
    const name = r.options ? `${r.model} ${JSON.stringify(r.options)}` : r.model;
    if (!r.workers && !r.wasmThreads && r.replace === 'default') single.set(name, r.imagesPerSecond);
    const ratio = (r.workers || r.wasmThreads) && single.has(name) ? `${(r.imagesPerSecond / single.get(name)!).toFixed(2)}x` : '';
    const label = r.threadsReported === undefined ? r.label : `${r.label} (XNNPACK reports ${r.threadsReported})`;
    console.log(`| ${name} | ${label} | ${r.batch} | ${r.msPerStep.toFixed(0)} | ${r.imagesPerSecond.toFixed(1)} | ${ratio} | ${r.peakRssMB.toFixed(0)} |`);
  }
  console.log(`\n${steps} timed steps after one warm-up (VGG16: 2), 1 wasm thread, load average ${load} at start (${loadavg()[0].toFixed(2)} at end)`);
}

// Training throughput on TF.js wasm: img/s and peak RSS per registered model, each in its own process (peak RSS is
// per process). Batch 32 (VGG16: batch 8, 2 steps); for compact-cnn also without the replaced kernels, the fused
// BatchNorm gradient and the skipped photo gradient ("before"; with --before, every model), with tfjs-layers' own
// BatchNorm gradient and, with --ablation, without each replacement in turn. Every other row trains as fit() does
// (src/train/batch-norm.ts, src/train/input-conv.ts).
//   npm run bench:train [-- --models compact-cnn,vgg16-tutorial] [--steps N] [--ablation] [--before] [--options JSON]
//                       [--data-parallel N] [--wasm-threads N]
// --data-parallel N adds, per model, two rows through fit() as `howold train` runs it (bench/train-fit.ts): one
// thread, and N threads each computing the gradients of 1/N of the batch (src/train/parallel.ts), with the ratio
// of the two in the same run; --wasm-threads N a
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
import { fuseBatchNormGradients } from '../src/train/batch-norm.js';
import { skipInputGradients } from '../src/train/input-conv.js';
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
  /** Through fit() (bench/train-fit.ts) instead of a bare variableGrads step. */
  fit?: boolean;
  /** With fit: threads sharing each batch (fit's `workers`). */
  workers?: number;
  /** XNNPACK threads of the threaded wasm build (absent: the plain build, one thread). */
  wasmThreads?: number;
  /** BatchNorm trains with its closed-form gradient, as fit() does (src/train/batch-norm.ts). */
  fusedBatchNorm: boolean;
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

async function runFit(job: Job): Promise<Result> {
  const { measureFit } = await import('./train-fit.js');
  const { msPerStep, params } = await measureFit({ model: job.model, batch: job.batch, steps: job.steps, workers: job.workers ?? 1, fusedBatchNorm: job.fusedBatchNorm });
  return { ...job, msPerStep, imagesPerSecond: (job.batch * 1000) / msPerStep, peakRssMB: process.resourceUsage().maxRSS / 1024, params, registered: [] };
}

async function runJob(job: Job): Promise<Result> {
  if (job.fit) return runFit(job);
  if (job.wasmThreads) (await import('./wasm-threads.js')).enableNodeWasmThreads(job.wasmThreads);
  if ((await initBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not initialise');
  const threadsReported = job.wasmThreads ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : undefined;
  const replace = job.replace === 'default' ? true : job.replace === 'none' ? false : (job.replace as ReplaceableKernel[]);
  const registered = registerTrainingKernels({ replace });

  const entry = getModelEntry(job.model);
  const model = await createModelAsync(job.model, { seed: 1, ...job.options });
  if (job.fusedBatchNorm) fuseBatchNormGradients(model);
  if (job.replace !== 'none') skipInputGradients(model);
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
      jobs.push({ ...base, replace: 'none', fusedBatchNorm: false, label: 'missing gradients only (before)' });
    }
    if (model === 'compact-cnn') {
      jobs.push({ ...base, replace: 'default', fusedBatchNorm: false, label: "all training kernels, tfjs-layers' BatchNorm gradient" });
      if (process.argv.includes('--ablation')) {
        for (const name of REPLACEABLE_KERNELS) {
          jobs.push({ ...base, replace: REPLACEABLE_KERNELS.filter((k) => k !== name), fusedBatchNorm: true, label: `all but ${name}` });
        }
      }
    }
    jobs.push({ ...base, replace: 'default', fusedBatchNorm: true, label: 'all training kernels, fused BatchNorm (after)' });
    const parallel = Number(option('--data-parallel') ?? 0);
    const threads = Number(option('--wasm-threads') ?? 0);
    if (threads > 1) jobs.push({ ...base, replace: 'default', fusedBatchNorm: true, label: `all training kernels, wasm threads x${threads}`, wasmThreads: threads });
    if (parallel > 1) {
      jobs.push({ ...base, replace: 'default', fusedBatchNorm: true, fit: true, workers: 1, label: 'fit(), as howold train, 1 thread' });
      jobs.push({ ...base, replace: 'default', fusedBatchNorm: true, fit: true, workers: parallel, label: `fit(), as howold train, data-parallel x${parallel} (threads)` });
    }
  }
  const load = loadavg()[0].toFixed(2);
  console.log(`CPU: ${cpuLine()}`);
  console.log('| model | kernels | batch | ms/step | img/s | vs 1 thread | peak RSS (MB) |\n|---|---|---|---|---|---|---|');
  const single = new Map<string, number>();
  for (const job of jobs) {
    const r = inChild(job);
    const name = r.options ? `${r.model} ${JSON.stringify(r.options)}` : r.model;
    // threaded rows compare with the single-thread row of the same kind: wasm threads with the bare step, data-parallel with fit()
    const kind = `${name} ${r.fit ? 'fit' : 'step'}`;
    const threaded = (r.workers ?? 1) > 1 || r.wasmThreads !== undefined;
    if (!threaded && r.replace === 'default' && r.fusedBatchNorm) single.set(kind, r.imagesPerSecond);
    const ratio = threaded && single.has(kind) ? `${(r.imagesPerSecond / single.get(kind)!).toFixed(2)}x` : '';
    const label = r.threadsReported === undefined ? r.label : `${r.label} (XNNPACK reports ${r.threadsReported})`;
    console.log(`| ${name} | ${label} | ${r.batch} | ${r.msPerStep.toFixed(0)} | ${r.imagesPerSecond.toFixed(1)} | ${ratio} | ${r.peakRssMB.toFixed(0)} |`);
  }
  console.log(`\n${steps} timed steps (VGG16: 2) after one warm-up step (fit() rows: two), 1 wasm thread, load average ${load} at start (${loadavg()[0].toFixed(2)} at end)`);
}

// howold export --onnx OUT.onnx [--model PATH]: a saved TF.js model folder to an ONNX file, checked against TF.js.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseIntegerOption } from '../../core/checks.js';
import { HowoldError } from '../../core/errors.js';
import { DEFAULT_OPSET, exportOnnx, loadLayersModelFromFolder, modelFolder, writeFileAtomic } from '../../export/index.js';
import { createOnnxRunner, createTfjsRunner } from '../../infer/onnx-runner.js';
import { initBackend, tf } from '../../tf/backend.js';
import { seededRandom, uniform as uniformIn } from '../../core/rng.js';
import { DEFAULT_MODEL_DIR } from '../../core/model-meta.js';


const TOLERANCE = 1e-4;

interface ExportCliOptions {
  onnx: string;
  model: string;
  opset: number;
  verify: boolean;
}

function uniform(length: number): Float32Array {
  const random = seededRandom(12345);
  return Float32Array.from({ length }, () => uniformIn(random, -1, 1));
}

/** Largest abs difference between onnxruntime-node and TF.js on a random batch; undefined if ORT cannot load. */
async function verify(model: tf.LayersModel, bytes: Uint8Array, batch: number): Promise<number | undefined> {
  let onnx;
  try {
    onnx = await createOnnxRunner(bytes, { intraOpNumThreads: 1 });
  } catch (err) {
    if (err instanceof HowoldError && err.code === 'engine_unavailable') return undefined;
    throw err;
  }
  try {
    const reference = createTfjsRunner(model);
    const input = uniform(batch * onnx.inputShape.reduce((a, b) => a * b, 1));
    const [got, want] = await Promise.all([onnx.run(input, batch), reference.run(input, batch)]);
    let worst = 0;
    for (const name of onnx.outputNames) {
      const expected = want[name];
      if (!expected) throw new HowoldError('export_failed', `ONNX output '${name}' has no TF.js counterpart`);
      got[name].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]))));
    }
    return worst;
  } finally {
    await onnx.dispose();
  }
}

async function readHowoldJson(folder: string): Promise<Record<string, string>> {
  try {
    return { howold: await readFile(join(folder, 'howold.json'), 'utf8') };
  } catch {
    return {};
  }
}

export async function runExport(options: ExportCliOptions): Promise<string> {
  await initBackend();
  const folder = modelFolder(options.model);
  const model = await loadLayersModelFromFolder(folder);
  try {
    const bytes = exportOnnx(model, { opset: options.opset, metadata: await readHowoldJson(folder) });
    let check = 'not verified';
    if (options.verify) {
      const diff = await verify(model, bytes, 4);
      if (diff === undefined) check = 'not verified (onnxruntime-node cannot load)';
      else if (!(diff <= TOLERANCE)) {
        throw new HowoldError('export_failed', `ONNX output differs from TF.js by ${diff.toExponential(2)} (> ${TOLERANCE}); nothing written`);
      } else check = `max abs difference vs TF.js ${diff.toExponential(1)} on 4 random images`;
    }
    await writeFileAtomic(options.onnx, bytes);
    const shape = (s: (number | null)[]) => `[${s.map((d) => d ?? 'batch').join(', ')}]`;
    const outputs = model.outputs.map((t) => `${t.sourceLayer.name} ${shape(t.shape)}`).join(', ');
    return (
      `Wrote ${options.onnx} (${(bytes.length / 1e6).toFixed(2)} MB, opset ${options.opset}): ` +
      `input ${shape(model.inputs[0].shape)} -> ${outputs}; ${check}`
    );
  } finally {
    model.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('export')
    .description('Export a saved TF.js model (model.json + weights) to ONNX, checked against TF.js on random input')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .option('--model <path>', 'TF.js model folder (or its model.json)', DEFAULT_MODEL_DIR)
    .option('--opset <n>', 'ONNX opset, 13..21', (v: string) => parseIntegerOption(v, '--opset', 13, 21), DEFAULT_OPSET)
    .option('--no-verify', 'skip running the export with onnxruntime-node against TF.js')
    .action(async (options: ExportCliOptions) => {
      process.stdout.write(`${await runExport(options)}\n`);
    });
}

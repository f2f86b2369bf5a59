// howold export --onnx OUT.onnx [--model PATH]: a saved TF.js model folder to an ONNX file, checked against TF.js.
import type { Command } from 'commander';
import { DEFAULT_MODEL_DIR } from '../../index.js';
import { DEFAULT_OPSET, exportModelFolder } from '../../export/index.js';
import { parseIntegerOption } from '../options.js';

interface ExportCliOptions {
  onnx: string;
  model: string;
  opset: number;
  verify: boolean;
}

export async function runExport(options: ExportCliOptions): Promise<string> {
  const r = await exportModelFolder(options.model, options.onnx, { opset: options.opset, verify: options.verify });
  const shape = (s: (number | null)[]) => `[${s.map((d) => d ?? 'batch').join(', ')}]`;
  const outputs = r.outputs.map((o) => `${o.name} ${shape(o.shape)}`).join(', ');
  const check =
    r.maxDifference !== undefined
      ? `max abs difference vs TF.js ${r.maxDifference.toExponential(1)} on 4 random images`
      : options.verify
        ? `not verified (${r.unverified})`
        : 'not verified';
  return `Wrote ${r.file} (${(r.bytes / 1e6).toFixed(2)} MB, opset ${r.opset}): input ${shape(r.input)} -> ${outputs}; ${check}`;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('Export a saved TF.js model (model.json + weights) to ONNX, checked against TF.js on random input')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .option('--model <path>', 'TF.js model folder (or its model.json)', DEFAULT_MODEL_DIR)
    .option('--opset <n>', 'ONNX opset, 13..21', (v: string) => parseIntegerOption(v, '--opset', 13, 21), DEFAULT_OPSET)
    .option('--no-verify', 'skip running the export with onnxruntime against TF.js')
    .action(async (options: ExportCliOptions) => {
      process.stdout.write(`${await runExport(options)}\n`);
    });
}

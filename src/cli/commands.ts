import type { Command } from 'commander';

// Each command lives in its own module under ./commands/ and exports `register(program)`. The modules are
// imported on demand: a run of one command loads only that command's dependencies (a `howold serve` process
// would otherwise carry TF.js, the trainer and the report renderer: ~110 MB it never uses).
const COMMANDS: Record<string, () => Promise<{ register(program: Command): void }>> = {
  audit: () => import('./commands/audit.js'),
  calibrate: () => import('./commands/calibrate.js'),
  data: () => import('./commands/data.js'),
  detect: () => import('./commands/detect.js'),
  eval: () => import('./commands/eval.js'),
  export: () => import('./commands/export.js'),
  predict: () => import('./commands/predict.js'),
  report: () => import('./commands/report.js'),
  serve: () => import('./commands/serve.js'),
  train: () => import('./commands/train.js'),
  worker: () => import('./commands/worker.js'),
};

/** Registers the command named in `argv` (after node and the script), or every command for help and errors. */
export async function registerCommands(program: Command, argv: string[] = []): Promise<void> {
  const named = argv[2];
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) (await COMMANDS[name]!()).register(program);
}

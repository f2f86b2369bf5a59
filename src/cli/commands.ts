import type { Command } from 'commander';
import { missingTfjs } from '../index.js';

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
  for (const name of wanted) {
    let mod;
    try {
      mod = await COMMANDS[name]!();
    } catch (err) {
      // train and export need TF.js, an optional dependency: without it the command is there and says what to install
      const missing = missingTfjs(err, `howold ${name}`);
      if (!missing) throw err;
      program
        .command(name)
        .description(`(${missing.message})`)
        .helpOption(false)
        .allowUnknownOption()
        .argument('[args...]')
        .action(() => {
          throw missing;
        });
      continue;
    }
    mod.register(program);
  }
}

import type { Command } from 'commander';
import * as audit from './commands/audit.js';
import * as data from './commands/data.js';
import * as detect from './commands/detect.js';
import * as evalCmd from './commands/eval.js';
import * as exportCmd from './commands/export.js';
import * as predict from './commands/predict.js';
import * as report from './commands/report.js';
import * as serve from './commands/serve.js';
import * as train from './commands/train.js';

// Each command lives in its own module under ./commands/ and exports `register(program)`.
// Add one line here per command.
export function registerCommands(program: Command): void {
  audit.register(program);
  data.register(program);
  detect.register(program);
  evalCmd.register(program);
  exportCmd.register(program);
  predict.register(program);
  report.register(program);
  serve.register(program);
  train.register(program);
}

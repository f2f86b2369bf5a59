import { Command, CommanderError } from 'commander';
import { errorMessage } from '../core/errors.js';
import { registerCommands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('howold')
    .description('How old is each person in a photo: face detection, alignment and age estimation')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`howold: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  }
}

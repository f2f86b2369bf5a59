import { Command, CommanderError } from 'commander';
import { errorMessage } from '../index.js';
import { registerCommands } from './commands.js';
import { printable } from './output.js';

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('howold')
    .description('How old is each person in a photo: face detection, alignment and age estimation')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`howold: ${printable(errorMessage(err))}\n`);
    process.exitCode = 1;
  }
}

import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../index.js';
import { registerCommands } from './commands.js';
import { printable } from './output.js';

// src/cli/main.ts and dist/cli/main.js both sit two folders below package.json
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('howold')
    .description('How old is each person in a photo: face detection, alignment and age estimation')
    .version(version)
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

import type { Command } from 'commander';

// Each command lives in its own module under ./commands/ and exports `register(program)`.
// Add one line here per command.
export function registerCommands(_program: Command): void {
}

#!/usr/bin/env node
// The installed package runs the compiled CLI (dist/). A checkout of the repository, which has the TypeScript
// sources and tsx (a devDependency), runs the sources through tsx's loader: no build step between an edit and a run.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source) && (await import('tsx/esm/api').then(({ register }) => (register(), true), () => false))) {
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
await main(process.argv);

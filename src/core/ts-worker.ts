import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on `module`, given as the compiled `.js` beside the caller
 * (`new URL('./x-worker.js', import.meta.url)`). In the built package that file exists and runs as it is. In a
 * checkout run through tsx only `x-worker.ts` exists: workers do not inherit a loader registered with tsx's
 * `register()` (as bin/howold.js does), so a tiny bootstrap registers it in the worker before importing.
 */
export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (existsSync(fileURLToPath(module)) || !module.pathname.endsWith('.js')) return new Worker(module, options);
  const source = new URL(module.href.replace(/\.js$/, '.ts'));
  // tsx resolved here, not from the worker's cwd (an eval'd worker resolves bare names from process.cwd())
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

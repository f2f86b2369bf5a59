import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running a TypeScript module. Workers do not inherit a loader registered with tsx's
 * `register()` (as bin/howold.js does), so a tiny bootstrap registers it in the worker before importing.
 */
export function startTsWorker(module: URL, options: WorkerOptions = {}): Worker {
  // tsx resolved here, not from the worker's cwd (an eval'd worker resolves bare names from process.cwd())
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

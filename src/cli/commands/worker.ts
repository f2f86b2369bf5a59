// howold worker --queue redis://HOST:PORT [--threads N]
import type { Command } from 'commander';
import { parseIntegerOption, parseNumberOption } from '../options.js';
import { runQueueWorker } from '../../queue/index.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('process queued `data prepare` and `predict` jobs from Redis; run it on any number of machines')
    .requiredOption('--queue <url>', 'the Redis holding the queue: redis://HOST:PORT')
    .option('--threads <n>', 'jobs at once, one thread each (default: one per core)', (v) => parseIntegerOption(v, '--threads', 1, 256))
    .option('--lock-seconds <s>', "a job's lock: if this worker dies, its job is retried elsewhere after this long", (v) => parseNumberOption(v, '--lock-seconds', 0.5, 3600), 30)
    .addHelpText(
      'after',
      '\nStop with Ctrl-C or SIGTERM: the running jobs finish first. A worker killed outright loses nothing: its jobs\n' +
        'are retried by another worker once their lock runs out. Prepare jobs write their shards to the --out folder the\n' +
        'submitter gave, so every worker must see that folder (and the input files) at the same path.',
    )
    .action(async (flags: { queue: string; threads?: number; lockSeconds: number }) => {
      const log = (line: string) => process.stderr.write(`howold worker: ${line}\n`);
      const run = runQueueWorker({ url: flags.queue, threads: flags.threads, lockMs: Math.round(flags.lockSeconds * 1000), log });
      const onSignal = () => {
        log('stopping after the running jobs');
        run.stop();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await run.ready;
      } catch (err) {
        await run.kill();
        throw err;
      }
      log(`ready on ${flags.queue}`);
      const counts = await run.done;
      log(`stopped: ${counts.completed} jobs completed, ${counts.failed} failed`);
    });
}

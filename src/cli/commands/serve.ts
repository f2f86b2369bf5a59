// howold serve [--port 8080] [--host 127.0.0.1] [--model PATH]: the HTTP API and the web page.
import type { Command } from 'commander';
import { parseIntegerOption } from '../options.js';
import { DEFAULT_MAX_BODY, startServer } from '../../server/app.js';
import { writeEngineNote } from '../output.js';

interface ServeFlags {
  port: number;
  host: string;
  model?: string;
  workers?: number;
  queue: number;
  timeout: number;
  maxBodyMb: number;
  log?: boolean;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (POST /v1/ages, GET /healthz) and the web page at /')
    .option('--port <n>', 'TCP port (0: any free port)', (v) => parseIntegerOption(v, '--port', 0, 65535), 8080)
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--model <path>', 'model folder (default: $HOWOLD_MODEL, else the shipped models/default)')
    .option('--workers <n>', 'estimator worker processes, ~300 MB each after the first photo (default: min(2, cores))', (v) => parseIntegerOption(v, '--workers', 1, 64))
    .option('--queue <n>', 'requests that may wait for a worker; more get 503 with Retry-After', (v) => parseIntegerOption(v, '--queue', 0, 10_000), 16)
    .option('--timeout <ms>', 'answer within this time or give up with 503 (still queued) / 504 (estimating)', (v) => parseIntegerOption(v, '--timeout', 100, 600_000), 15_000)
    .option('--max-body-mb <n>', 'largest upload in MB; larger gets 413', (v) => parseIntegerOption(v, '--max-body-mb', 1, 1024), DEFAULT_MAX_BODY / 1024 / 1024)
    .option('--log', 'log every request (JSON lines on stdout)')
    .action(async (flags: ServeFlags) => {
      const model = flags.model ?? process.env.HOWOLD_MODEL;
      const server = await startServer({
        port: flags.port,
        host: flags.host,
        model,
        workers: flags.workers,
        maxQueue: flags.queue,
        timeoutMs: flags.timeout,
        maxBodyBytes: flags.maxBodyMb * 1024 * 1024,
        logger: flags.log ?? false,
      });
      const stats = server.pool.stats();
      process.stderr.write(
        `howold serve: listening on ${server.url} (model ${server.pool.model} on ${server.pool.engine}, ${stats.workers} worker${stats.workers === 1 ? '' : 's'})\n`,
      );
      writeEngineNote(process.stderr, 'serve', server.pool);
      let closing = false;
      const stop = (signal: string) => {
        if (closing) process.exit(1);
        closing = true;
        process.stderr.write(`howold serve: ${signal}, closing\n`);
        void server.app.close().then(() => process.exit(0));
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

// The Redis behind the queue: `redis://[user:password@]host:port[/db]` as given to --queue.
import { Redis, type RedisOptions } from 'ioredis';
import { ArgumentError, HowoldError, errorMessage } from '../core/errors.js';

/** One queue for every kind of job; a worker takes whatever comes next. */
export const QUEUE_NAME = 'howold';

export function parseQueueUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ArgumentError(`--queue: expected redis://HOST:PORT, but received '${url}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ArgumentError(`--queue: expected a redis:// URL, but received '${url}'`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new ArgumentError(`--queue: '${parsed.pathname.slice(1)}' is not a Redis database number`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db,
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's workers block on Redis and must retry forever; callers bound the first connection themselves
    maxRetriesPerRequest: null,
  };
}

/**
 * A connected client (BullMQ under ESM needs client instances, not options), or a one-line error naming the
 * server instead of ioredis retrying forever. Once connected, it reconnects on its own.
 */
export async function openRedis(url: string, seconds = 10): Promise<Redis> {
  const client = new Redis({ ...parseQueueUrl(url), lazyConnect: true });
  let timer: NodeJS.Timeout | undefined;
  let lastError: unknown;
  const onError = (err: unknown) => (lastError = err);
  client.on('error', onError);
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HowoldError('queue_unreachable', `cannot reach Redis at ${url} within ${seconds} s${lastError ? ` (${errorMessage(lastError)})` : ''}`)),
          seconds * 1000,
        );
      }),
    ]);
  } catch (err) {
    client.disconnect();
    throw err instanceof HowoldError ? err : new HowoldError('queue_unreachable', `cannot reach Redis at ${url}: ${errorMessage(err)}`);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

// Debian's Chromium driven by playwright-core, as every browser test here runs it, and a plain static file server
// (fastify + @fastify/static, no howold routes) for the built page.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { chromium, type Browser } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const webRoot = path.join(repoRoot, 'web/dist');
export const artifacts = path.join(repoRoot, 'test-artifacts');
export const groupPhotosDir = path.join(repoRoot, '../shared/datasets/group-photos');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh Chromium (playwright gives each launch a new temporary profile); `extraArgs` e.g. a fake camera. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/** Serves `root` as plain static files on a free port of 127.0.0.1; resolves to the server and its URL. */
export async function startStaticServer(root = webRoot): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(fastifyStatic, { root, index: 'index.html' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `${url}/` };
}

/** Builds the page unless it is built (`npm test` builds it first: pretest). */
export async function ensureWebBuilt(): Promise<void> {
  const { existsSync } = await import('node:fs');
  if (existsSync(path.join(webRoot, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(repoRoot, 'web/vite.config.ts'), logLevel: 'warn' });
}

// Debian's Chromium driven by playwright-core, as every browser test here runs it, and a plain static file server
// (fastify + @fastify/static, no howold routes) for the built page.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { after, before } from 'node:test';

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
export async function startStaticServer(root = webRoot, options: { isolated?: boolean } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(fastifyStatic, {
    root,
    index: ['index.html'],
    preCompressed: true,
    // as a static host configured with web/public/_headers (and `howold serve`) sends them
    ...(options.isolated
      ? { setHeaders: (res: { setHeader(n: string, v: string): unknown }) => void (res.setHeader('Cross-Origin-Opener-Policy', 'same-origin'), res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')) }
      : {}),
  });
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

/** Chromium's flags for a fake camera that shows `file` (a .y4m or .mjpeg) to getUserMedia, with no prompt. */
export const fakeCameraArgs = (file: string) => ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${file}`];

/**
 * Writes `photo` as a one-frame Y4M video (`width` x `height`, 4:2:0, full-range BT.601 as C420jpeg means), the
 * file Chromium's fake camera loops: a still scene in front of the camera.
 */
export async function writeY4m(photo: string, file: string, width = 640, height = 480): Promise<void> {
  const rgb = await sharp(photo).rotate().resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc(u.length);
  const byte = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  for (let i = 0; i < width * height; i++) y[i] = byte(0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!);
  for (let j = 0; j < height / 2; j++) {
    for (let i = 0; i < width / 2; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const p of [(2 * j * width + 2 * i) * 3, (2 * j * width + 2 * i + 1) * 3, ((2 * j + 1) * width + 2 * i) * 3, ((2 * j + 1) * width + 2 * i + 1) * 3]) {
        r += rgb[p]! / 4;
        g += rgb[p + 1]! / 4;
        b += rgb[p + 2]! / 4;
      }
      u[j * (width / 2) + i] = byte(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      v[j * (width / 2) + i] = byte(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  await writeFile(file, Buffer.concat([header, y, u, v]));
}

/**
 * The built page on a static server and a Chromium for the tests of one file: both start before its tests and stop
 * after them. `prepare` runs first (e.g. to write a fake camera's video); `args` are extra Chromium flags.
 */
export function useStaticPage(options: { prepare?: () => Promise<void>; args?: () => string[] } = {}): { readonly url: string; readonly browser: Browser } {
  let server: { app: FastifyInstance; url: string } | undefined;
  let browser: Browser | undefined;
  before(async () => {
    await ensureWebBuilt();
    await options.prepare?.();
    server = await startStaticServer();
    browser = await launchChromium(options.args?.() ?? []);
  });
  after(async () => {
    await browser?.close();
    await server?.app.close();
  });
  return {
    get url() {
      if (!server) throw new Error('the static server has not started (use the page inside a test)');
      return server.url;
    },
    get browser() {
      if (!browser) throw new Error('Chromium has not started (use it inside a test)');
      return browser;
    },
  };
}

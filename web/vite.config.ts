import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const repo = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const sample = repo('examples/astronaut.png');

/**
 * The models the page fetches at run time (the same files Node loads), copied into the build under fixed names.
 * onnxruntime-web's wasm binaries are assets too (main.ts imports their URLs), served from here, never a CDN.
 */
const RUNTIME_ASSETS: Record<string, string> = {
  'models/default/howold.json': repo('models/default/howold.json'),
  'models/default/model.onnx': repo('models/default/model.onnx'),
  'models/detector/detector.json': repo('models/detector/detector.json'),
  'models/detector/ssd_mobilenetv1.onnx': repo('models/detector/ssd_mobilenetv1.onnx'),
  'models/detector/ssd_mobilenetv1_anchors.bin': repo('models/detector/ssd_mobilenetv1_anchors.bin'),
  'models/detector/face_landmark_68.onnx': repo('models/detector/face_landmark_68.onnx'),
  'models/detector/tiny_face_detector.onnx': repo('models/detector/tiny_face_detector.onnx'),
  'sample.png': sample,
};

/** A hash of every runtime asset: names the Cache Storage bucket, so a new model or runtime is fetched anew. */
function assetsVersion(): string {
  const hash = createHash('sha256');
  for (const [name, file] of Object.entries(RUNTIME_ASSETS)) hash.update(name).update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

function runtimeAssets(): Plugin {
  const types: Record<string, string> = { json: 'application/json', wasm: 'application/wasm', png: 'image/png' };
  return {
    name: 'howold-runtime-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\//, ''));
        const file = RUNTIME_ASSETS[name];
        if (!file) return next();
        res.setHeader('content-type', types[name.split('.').pop()!] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of Object.entries(RUNTIME_ASSETS)) this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
    },
  };
}

/**
 * Beside every compressible file of the build, its brotli (.br), for static servers that send precompressed files
 * (nginx brotli_static, @fastify/static preCompressed as `howold serve` does): the wasm runtime is 14.2 MB as built
 * and 2.7 MB in brotli, so a first visit transfers ~8 MB instead of ~23 MB. Browsers ask for br on https and
 * localhost; a server that does not look for .br sends the plain files, which still work. No .gz: it would add
 * ~14 MB to the package for browsers on plain http only.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'howold-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      for (const file of walk(outDir)) {
        if (!/\.(wasm|onnx|bin|js|css|html|json|svg)$/.test(file) || statSync(file).size < 1024) continue;
        const bytes = readFileSync(file);
        writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
      }
    },
  };
}

// `npx vite web` serves the page with hot reload; the server option's API calls go to `howold serve` on port 8080.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { 'howold/browser': repo('src/browser.ts') } },
  define: { __HOWOLD_ASSETS_VERSION__: JSON.stringify(assetsVersion()) },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1000 },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
  plugins: [runtimeAssets(), precompress()],
});

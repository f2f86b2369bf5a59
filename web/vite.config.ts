import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const sample = fileURLToPath(new URL('../examples/astronaut.png', import.meta.url));

/** The example photo as /sample.png: served by the dev server, written into dist by the build. */
function samplePhoto(): Plugin {
  return {
    name: 'howold-sample-photo',
    configureServer(server) {
      server.middlewares.use('/sample.png', (_req, res) => {
        res.setHeader('content-type', 'image/png');
        res.end(readFileSync(sample));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'sample.png', source: readFileSync(sample) });
    },
  };
}

// `npx vite web` serves the page with hot reload; API calls go to `howold serve` on port 8080.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020' },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
  plugins: [samplePhoto()],
});

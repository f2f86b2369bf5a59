// TF.js wasm with XNNPACK threads under Node, for `npm run bench:train -- --wasm-threads N`. tfjs-backend-wasm 4.22
// turns threads off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), and forced on it fails: Emscripten's
// pthread workers are given blob: URLs (the worker script and the main script as Blobs), which Node's Worker and
// the worker's importScripts (a readFileSync) cannot open. This writes those Blobs to temp files instead. A
// benchmark hack on the package's internals, not for the library.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export function enableNodeWasmThreads(threads: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'howold-wasm-threads-'));
  const texts = new WeakMap<Blob, string>();
  let mainScript: string | undefined;
  const NodeBlob = globalThis.Blob;
  class RecordingBlob extends NodeBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        if (text.startsWith('var WasmBackendModuleThreadedSimd')) mainScript = text;
      }
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (text === undefined || !text.includes('ENVIRONMENT_IS_PTHREAD')) return createObjectURL(blob);
    if (!mainScript) throw new Error('wasm threads: the main script Blob was not seen before the worker script');
    const main = join(dir, 'main.cjs');
    // the factory's source refers to the Node bundle's own aliases of require('fs') etc. (rollup's require$$N)
    const aliases = "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;";
    writeFileSync(main, aliases + mainScript);
    // the worker loads the main script from the file, not from the Blob it is sent
    const worker = text.replace(/if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{[^}]*\}/, `importScripts(${JSON.stringify(main)});`);
    if (worker === text) throw new Error('wasm threads: unknown Emscripten worker script (tfjs-backend-wasm changed)');
    const file = join(dir, 'worker.cjs');
    writeFileSync(file, worker);
    return file;
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
}

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeModel } from '../../export/onnx-proto.js';
import { fileSystemIO } from '../../models/model-folder.js';
import { ageGenderModel } from '../../export/testing.js';
import { initBackend } from '../../tf/backend.js';
import { main } from '../main.js';
import { runExport } from './export.js';

let dir: string;

before(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'howold-export-cli-'));
  await ageGenderModel(16).save(fileSystemIO(join(dir, 'model')));
  await writeFile(join(dir, 'model', 'howold.json'), '{"name":"test"}');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('exports a saved model folder, verified against TF.js, with howold.json as metadata', async () => {
  const out = join(dir, 'out.onnx');
  const line = await runExport({ onnx: out, model: join(dir, 'model'), opset: 17, verify: true });
  assert.match(line, /^Wrote .*out\.onnx \(0\.\d\d MB, opset 17\): input \[batch, 16, 16, 3\] -> age \[batch, 101\], gender \[batch, 2\]; max abs difference vs TF\.js \d\.\de-\d+ on 4 random images$/);
  const proto = decodeModel(await readFile(out));
  assert.deepEqual(proto.graph.output.map((o: { name: string }) => o.name), ['age', 'gender']);
  assert.deepEqual(proto.metadataProps, [{ key: 'howold', value: '{"name":"test"}' }]);
});

test('howold export: a missing model is one line on stderr and exit code 1', async () => {
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await main(['node', 'howold', 'export', '--onnx', join(dir, 'x.onnx'), '--model', join(dir, 'absent')]);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(process.exitCode, 1);
  process.exitCode = 0;
  assert.deepEqual(written, [`howold: ${join(dir, 'absent')}: no TF.js model here (model.json not found)\n`]);
});

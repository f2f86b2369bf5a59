// Every case of the hostile corpus (corpus.ts) through the three doors: the CLI, the library and the HTTP API.
// Each bad file must give a HowoldError with its code (CLI: in its JSON entry and a one-line, escaped message;
// HTTP: the status and {error: {code, message}}), and every good file in the same batch must still be processed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAgeEstimator, HowoldError, type AgeEstimator } from '../../src/index.js';
import { startServer, type HowoldServer } from '../../src/server/app.js';
import { writeCorpus, writeLoopFolder, type FuzzCase } from './corpus.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repoRoot, 'bin/howold.js');
const model = process.env.HOWOLD_MODEL;
const dir = mkdtempSync(path.join(tmpdir(), 'howold-fuzz-'));
let cases: FuzzCase[] = [];
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  chmodSync(dir, 0o755);
  cases = await writeCorpus(dir);
});

const HTTP_STATUS: Record<string, number> = { empty: 400, not_an_image: 422, corrupt: 422, too_many_pixels: 422, unsupported_format: 415, too_large: 413 };
const MAX_BODY = 2 * 1024 * 1024;

interface CliEntry {
  file: string;
  faces?: unknown[];
  error?: { code: string; message: string };
}

function run(args: string[], asNobody = false): Promise<{ status: number; stdout: string; stderr: string }> {
  const nobody = asNobody && process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [cmd, ...rest] = [...nobody, process.execPath, bin, 'predict', '--no-progress', ...args];
  return new Promise((resolve) => {
    execFile(cmd!, rest, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...(model ? { HOWOLD_MODEL: model } : {}) } }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The outcome a case expects, checked against what an interface gave: faces found, or the error's code. */
function check(c: FuzzCase, got: { faces?: number; code?: string }, where: string): void {
  const label = `${where}: ${JSON.stringify(path.basename(c.file))} (${c.kind})`;
  if ('code' in c.expect) {
    assert.equal(got.code, c.expect.code, label);
  } else {
    assert.equal(got.code, undefined, label);
    if (c.expect.faces !== undefined) assert.equal(got.faces, c.expect.faces, label);
  }
}

describe('fuzz corpus through the CLI', () => {
  test('one run over every case: each bad file its code and one escaped line on stderr, each good file its faces, exit 0', async () => {
    const { status, stdout, stderr } = await run(['--json', ...cases.map((c) => c.file)]);
    assert.equal(status, 0, stderr);
    const { files, summary } = JSON.parse(stdout) as { files: CliEntry[]; summary: { files: number; ok: number; failed: number } };
    assert.equal(files.length, cases.length);
    for (const c of cases) {
      const entry = files.find((f) => f.file === c.file);
      assert.ok(entry, c.file);
      check(c, { faces: entry.faces?.length, code: entry.error?.code }, 'cli');
      if (entry.error) assert.ok(entry.error.message.includes(c.file), entry.error.message);
    }
    const bad = cases.filter((c) => 'code' in c.expect).length;
    assert.deepEqual([summary.ok, summary.failed], [cases.length - bad, bad]);
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, bad, 'one line per bad file (and the JSON summary is on stdout)');
    // eslint-disable-next-line no-control-regex
    for (const line of lines) assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f]/, 'no raw control characters');
  });

  test('text output: hostile names are escaped, so every line has its columns and nothing reaches the terminal raw', async () => {
    const named = cases.filter((c) => c.kind === 'hostile name');
    const { status, stdout } = await run(named.map((c) => c.file));
    assert.equal(status, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, named.length);
    const columns = lines[0]!.split('\t').length;
    assert.ok(columns >= 5, lines[0]);
    for (const line of lines) {
      assert.equal(line.split('\t').length, columns, line);
      assert.ok(!line.includes('\x1b'));
    }
    assert.ok(lines.some((l) => l.startsWith(`${path.join(dir, 'new\\nline.png')}\t`)));
    assert.ok(lines.some((l) => l.startsWith(`${path.join(dir, 'ansi\\x1b[31mred\\x1b[0m.png')}\t`)));
  });

  test('only bad files: exit 1; a mix with --strict: exit 1', async () => {
    const bad = cases.filter((c) => 'code' in c.expect).slice(0, 5).map((c) => c.file);
    assert.equal((await run(bad)).status, 1);
    assert.equal((await run(['--strict', cases[0]!.file, bad[0]!])).status, 1);
  });

  test('a folder with symbolic link loops and an unreadable subfolder: each photo once, the folder counted, exit 0', async () => {
    const { folder, locked, photos } = writeLoopFolder(dir);
    chmodSync(locked, 0o000);
    try {
      const { status, stdout, stderr } = await run(['--json', folder], true);
      assert.equal(status, 0, stderr);
      const { files } = JSON.parse(stdout) as { files: CliEntry[] };
      assert.deepEqual(files.filter((f) => !f.error).map((f) => f.file).sort(), photos.sort());
      assert.deepEqual(files.filter((f) => f.error).map((f) => [f.file, f.error!.code]), [[locked, 'unreadable']]);
      assert.match(stderr, /locked: cannot read the folder \(EACCES/);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe('fuzz corpus through the library', () => {
  let estimate: AgeEstimator;
  before(async () => {
    estimate = await createAgeEstimator(model ? { model } : undefined);
  });
  after(() => estimate?.dispose());

  test('estimate(array) over every case: a HowoldError with the code in each bad slot, faces in each good one', async () => {
    const results = await estimate(cases.map((c) => c.file));
    cases.forEach((c, i) => {
      const r = results[i]!;
      assert.equal(r.input, c.file);
      if (r.error) {
        assert.ok(r.error instanceof HowoldError, String(r.error));
        assert.ok(r.error.message.startsWith(`${c.file}: `), r.error.message);
        check(c, { code: r.error.code }, 'library');
      } else check(c, { faces: r.faces.length }, 'library');
    });
  });

  test('one at a time: each bad file rejects with its code, as a path and as bytes', async () => {
    for (const c of cases) {
      if (!('code' in c.expect)) continue;
      await assert.rejects(estimate(c.file), (err: unknown) => err instanceof HowoldError && err.code === (c.expect as { code: string }).code, c.file);
      if (!c.localOnly) {
        await assert.rejects(estimate(readFileSync(c.file)), (err: unknown) => err instanceof HowoldError && err.code === (c.expect as { code: string }).code, c.file);
      }
    }
  });

  test('raw pixels: the wrong length, odd sizes and more pixels than the limit are refused; a 1x30000 strip is not a crash', async () => {
    const refuse = async (image: unknown, code: string) =>
      assert.rejects(estimate(image as never), (err: unknown) => err instanceof HowoldError && err.code === code, JSON.stringify({ ...(image as object), data: undefined }));
    await refuse({ data: new Uint8Array(11), width: 2, height: 2 }, 'bad_pixels');
    await refuse({ data: new Uint8Array(0), width: 0, height: 0 }, 'bad_pixels');
    await refuse({ data: new Uint8Array(12), width: 2.5, height: 1.6 }, 'bad_pixels');
    await refuse({ data: new Uint8Array(90_000), width: -1, height: -30_000 }, 'bad_pixels');
    await refuse({ data: new Uint8Array(7100 * 7100 * 3), width: 7100, height: 7100 }, 'too_many_pixels');
    assert.deepEqual(await estimate({ data: new Uint8Array(90_000), width: 1, height: 30_000 }), []);
  });
});

describe('fuzz corpus through the HTTP API', () => {
  let server: HowoldServer & { url: string };
  before(async () => {
    server = await startServer({ model, port: 0, host: '127.0.0.1', workers: 1, maxQueue: 256, maxBodyBytes: MAX_BODY, timeoutMs: 60_000 });
  });
  after(() => server?.app.close());

  test('every case uploaded at once (bad and good share batches): each its status and {error: {code, message}}, each good photo its faces', async () => {
    const responses = await Promise.all(
      cases.map(async (c) => {
        const body = c.expect && 'code' in c.expect && c.expect.code === 'too_large' ? Buffer.alloc(MAX_BODY + 1) : c.localOnly ? undefined : readFileSync(c.file);
        if (!body) return undefined;
        const response = await fetch(`${server.url}/v1/ages`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/octet-stream' } });
        return { response, json: (await response.json()) as { faces?: unknown[]; error?: { code: string; message: string } } };
      }),
    );
    let sent = 0;
    cases.forEach((c, i) => {
      const r = responses[i];
      if (!r) return;
      sent += 1;
      if ('code' in c.expect) {
        const status = c.status ?? HTTP_STATUS[c.expect.code];
        assert.equal(r.response.status, status, `${c.file}: ${JSON.stringify(r.json)}`);
        assert.deepEqual(Object.keys(r.json), ['error']);
        assert.deepEqual(Object.keys(r.json.error!).sort(), ['code', 'message']);
        assert.ok(r.json.error!.message.length > 5);
        check(c, { code: r.json.error!.code }, 'http');
      } else {
        assert.equal(r.response.status, 200, `${c.file}: ${JSON.stringify(r.json)}`);
        check(c, { faces: r.json.faces!.length }, 'http');
      }
    });
    assert.ok(sent >= cases.length - 2);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; restarts: number };
    assert.deepEqual([health.status, health.restarts], ['ok', 0]);
  });
});

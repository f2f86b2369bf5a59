// One public API: the CLI (src/cli), the server (src/server) and the page (web/src) reach the library only through
// the package's entries, the files package.json's exports map names. The import graph is TypeScript's own (its
// --explainFiles lists every file that imports each file, type-only imports included), so it resolves exactly as
// the build does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');

interface Edge {
  from: string;
  to: string;
  specifier: string;
}

const graphs = new Map<string, Edge[]>();

/** Every import between the project's own files in one tsconfig's program, as repo-relative paths. */
function importGraph(project: string): Edge[] {
  if (!graphs.has(project)) graphs.set(project, readGraph(project));
  return graphs.get(project)!;
}

function readGraph(project: string): Edge[] {
  const out = execFileSync(process.execPath, [tsc, '-p', project, '--noEmit', '--explainFiles'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
  const edges: Edge[] = [];
  let file: string | undefined;
  for (const line of out.split('\n')) {
    if (line && !/^\s/.test(line)) {
      file = path.relative(repo, path.resolve(repo, line.trim()));
      continue;
    }
    const m = /^\s+Imported via (['"])(.+?)\1 from file '(.+?)'/.exec(line);
    if (m && file && !file.startsWith('node_modules')) edges.push({ from: path.relative(repo, path.resolve(repo, m[3]!)), to: file, specifier: m[2]! });
  }
  return edges;
}

/** The source files behind package.json's exports (./dist/X.js is built from src/X.ts). */
function entryFiles(): Set<string> {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { exports: Record<string, string | { import: string }> };
  const files = new Set<string>();
  for (const target of Object.values(pkg.exports)) {
    if (typeof target === 'string') continue;
    files.add(target.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
  }
  return files;
}

const isTest = (f: string) => /\.test\.ts$|\/testing\.ts$/.test(f);
const frontEnd = (f: string) => /^src\/(cli|server)\//.test(f);

test('the CLI and the server import the library only through the package entries', () => {
  const entries = entryFiles();
  assert.ok(entries.has('src/index.ts') && entries.has('src/browser.ts') && entries.has('src/train/index.ts'), [...entries].join(', '));
  const edges = importGraph('tsconfig.json');
  assert.ok(edges.some((e) => e.from === 'src/cli/commands/predict.ts'), 'the graph has the CLI in it');
  const bad = edges.filter((e) => frontEnd(e.from) && !isTest(e.from) && e.to.startsWith('src/') && !frontEnd(e.to) && !entries.has(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} imports ${e.specifier} (${e.to})`), []);
});

test('the library does not import its front ends', () => {
  const edges = importGraph('tsconfig.json');
  const bad = edges.filter((e) => e.from.startsWith('src/') && !frontEnd(e.from) && !isTest(e.from) && frontEnd(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} imports ${e.specifier}`), []);
});

test('the page imports the library only as howold/browser', () => {
  const edges = importGraph('web/tsconfig.json');
  const fromPage = edges.filter((e) => e.from.startsWith('web/src/') && e.to.startsWith('src/'));
  assert.ok(fromPage.length > 0, 'the page imports the library');
  assert.deepEqual(
    fromPage.filter((e) => e.to !== 'src/browser.ts' || e.specifier !== 'howold/browser').map((e) => `${e.from} imports ${e.specifier}`),
    [],
  );
});

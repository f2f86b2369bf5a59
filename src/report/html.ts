// A self-contained HTML page: sections of figures (files beside index.html), tables and short texts.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { esc } from './svg.js';
import type { WrittenImage } from './render.js';

export type Block =
  | { kind: 'figure'; image: WrittenImage; caption: string }
  | { kind: 'table'; head: string[]; rows: Array<Array<string | number>>; caption?: string }
  | { kind: 'text'; text: string }
  | { kind: 'link'; href: string; text: string };

export interface Section {
  id: string;
  title: string;
  intro?: string;
  blocks: Block[];
}

export interface Page {
  title: string;
  /** Lines under the title (model, data, date). */
  meta?: string[];
  sections: Section[];
  /** A warning shown at the top (say, that the galleries show research-only dataset faces). */
  notice?: string;
}

const CSS = `
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 16px 24px 48px; color: #222; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #666; font-size: 13px; margin: 2px 0; } .notice { background: #fff6d6; border: 1px solid #e8d48a; padding: 8px 12px; font-size: 13px; margin: 12px 0; }
nav a { margin-right: 14px; font-size: 14px; } figure { display: inline-block; margin: 12px 18px 12px 0; vertical-align: top; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; } figcaption { font-size: 13px; color: #555; max-width: 760px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 10px 0; } th, td { border: 1px solid #ddd; padding: 3px 9px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child, td.t { text-align: left; } p { font-size: 14px; max-width: 900px; line-height: 1.45; }
`;

const NUMERIC = /^(?:[-+]?\d[\d.,]*(?:e[-+]?\d+)?%?|-|\d+-\d+)$/i;

function block(b: Block): string {
  switch (b.kind) {
    case 'figure':
      return `<figure><img src="${esc(b.image.file)}" width="${b.image.width}" height="${b.image.height}" alt="${esc(b.caption)}"><figcaption>${esc(b.caption)}</figcaption></figure>`;
    case 'table': {
      const head = `<tr>${b.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
      const cell = (c: string | number) => (typeof c === 'number' || NUMERIC.test(c) ? `<td>${esc(String(c))}</td>` : `<td class="t">${esc(c)}</td>`);
      const rows = b.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
      const caption = b.caption ? `<caption style="caption-side: bottom; font-size: 12px; color: #666; text-align: left">${esc(b.caption)}</caption>` : '';
      return `<table>${caption}${head}\n${rows}</table>`;
    }
    case 'text':
      return `<p>${esc(b.text)}</p>`;
    case 'link':
      return `<p><a href="${esc(b.href)}">${esc(b.text)}</a></p>`;
  }
}

export function renderPage(page: Page): string {
  const nav = page.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  const sections = page.sections.map((s) =>
    [`<section id="${esc(s.id)}">`, `<h2>${esc(s.title)}</h2>`, s.intro ? `<p>${esc(s.intro)}</p>` : '', ...s.blocks.map(block), '</section>'].join('\n'),
  );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(page.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${esc(page.title)}</h1>`,
    ...(page.meta ?? []).map((m) => `<p class="meta">${esc(m)}</p>`),
    page.notice ? `<p class="notice">${esc(page.notice)}</p>` : '',
    `<nav>${nav}</nav>`,
    ...sections,
    '</body></html>',
    '',
  ].join('\n');
}

/** Writes OUTDIR/index.html; returns its path. */
export async function writePage(outDir: string, page: Page): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'index.html');
  await writeFile(file, renderPage(page));
  return file;
}

/** The figures a page references (to check that each file exists). */
export function pageImages(page: Page): string[] {
  return page.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'figure' ? [b.image.file] : [])));
}

// The hostile-input corpus: files derived from examples/astronaut.png and synthetic images (never dataset images),
// each with the outcome every interface must give. `npm run fuzz:corpus -- DIR` writes it for manual runs;
// test/fuzz/fuzz.test.ts generates it into a temporary folder and runs every case through the CLI, the library
// and the HTTP API.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const ASTRONAUT = path.join(repoRoot, 'examples/astronaut.png');

/** What a case must give: a result (`ok`, with at least `faces` faces) or a HowoldError with this code. */
export type Expected = { ok: true; faces?: number } | { code: string };

export interface FuzzCase {
  /** Input class, for the table of outcomes. */
  kind: string;
  file: string;
  expect: Expected;
  /** Only the CLI and the library can be given it (a FIFO, a device, a 1 GB file). */
  localOnly?: boolean;
  /** HTTP status when uploaded (default from the code). */
  status?: number;
}

/** libjpeg reports these seeds' eight bit flips ("Corrupt JPEG data"); most other flips decode silently to noise. */
export const WARNING_FLIP_SEEDS = [1, 5, 12, 42, 49, 50, 52, 54, 56, 61, 67, 81, 94, 100, 103, 104, 139, 149];

/** Eight bit flips past the headers, from a fixed seed (a small LCG: the same bytes on every machine). */
export function bitFlip(bytes: Buffer, seed: number, flips = 8, skip = 1000): Buffer {
  const b = Buffer.from(bytes);
  let x = (seed * 2654435761) >>> 0;
  for (let k = 0; k < flips; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const at = skip + (x % (b.length - skip - 200));
    b[at]! ^= 1 << (x % 8);
  }
  return b;
}

/** Random bytes from a seed. */
function noise(seed: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A JPEG whose frame header (SOF) claims another size than the data it holds. */
export function withJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(jpeg);
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && b[i + 1]! >= 0xc0 && b[i + 1]! <= 0xc2) {
      b.writeUInt16BE(height, i + 5);
      b.writeUInt16BE(width, i + 7);
      return b;
    }
  }
  throw new Error('no SOF marker');
}

/** A PNG whose header (IHDR, CRC fixed) claims another size: refused from the header, never inflated. */
export function withPngSize(png: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(png);
  // signature (8), IHDR length (4), 'IHDR' (4), then width and height; the CRC covers type and data (17 bytes)
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
  return b;
}

/** 60x40 synthetic picture with no face. */
function synthetic(width = 60, height = 40): Sharp {
  return sharp(noise(7, width * height * 3), { raw: { width, height, channels: 3 } });
}

/** Writes the corpus into `dir` (which must exist and be empty) and returns its cases. */
export async function writeCorpus(dir: string, options: { localOnly?: boolean } = {}): Promise<FuzzCase[]> {
  const cases: FuzzCase[] = [];
  const add = (kind: string, name: string, bytes: Buffer, expect: Expected, extra: Partial<FuzzCase> = {}) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    cases.push({ kind, file, expect, ...extra });
  };
  const png = readFileSync(ASTRONAUT);
  const jpg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
  const webp = await sharp(png).webp().toBuffer();

  // good files, including awkward but valid encodings: each must still be processed
  add('good', 'astronaut.png', png, { ok: true, faces: 1 });
  add('good', 'astronaut.jpg', jpg, { ok: true, faces: 1 });
  add('good', 'astronaut.webp', webp, { ok: true, faces: 1 });
  add('good (progressive JPEG)', 'progressive.jpg', await sharp(png).jpeg({ progressive: true }).toBuffer(), { ok: true, faces: 1 });
  add('good (EXIF orientation 6)', 'rotated.jpg', await sharp(png).rotate(270).jpeg().withMetadata({ orientation: 6 }).toBuffer(), { ok: true, faces: 1 });
  add('good (greyscale)', 'grey.png', await sharp(png).greyscale().png().toBuffer(), { ok: true });
  add('good (16-bit with alpha)', 'deep.png', await sharp(png).ensureAlpha().toColourspace('rgb16').png().toBuffer(), { ok: true });
  add('good (CMYK JPEG)', 'cmyk.jpg', await sharp(png).toColourspace('cmyk').jpeg().toBuffer(), { ok: true });
  add('good (1x1, no face)', 'pixel.png', await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer(), { ok: true, faces: 0 });
  add('good (noise, no face)', 'noise.png', await synthetic().png().toBuffer(), { ok: true, faces: 0 });
  // names that would break a line, a TSV column or drive the terminal
  add('hostile name', 'new\nline.png', png, { ok: true, faces: 1 });
  add('hostile name', 'tab\there.png', png, { ok: true, faces: 1 });
  add('hostile name', 'ansi\x1b[31mred\x1b[0m.png', png, { ok: true, faces: 1 });

  add('empty', 'empty.jpg', Buffer.alloc(0), { code: 'empty' });
  for (let s = 1; s <= 10; s++) add('random bytes', `noise-${s}.jpg`, noise(s, 64 + s * 997), { code: 'not_an_image' });
  add('text', 'text.png', Buffer.from('hello, I am not a picture\n'), { code: 'not_an_image' });
  add('wrong format (BMP header only)', 'fake.bmp.jpg', Buffer.concat([Buffer.from('BM'), noise(3, 500)]), { code: 'not_an_image' });
  add('wrong format (GIF)', 'anim.jpg', await synthetic().gif().toBuffer(), { code: 'unsupported_format' }, { status: 415 });
  add('wrong format (TIFF)', 'scan.png', await synthetic().tiff().toBuffer(), { code: 'unsupported_format' }, { status: 415 });
  add('wrong format (SVG)', 'vector.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), { code: 'unsupported_format' }, { status: 415 });

  for (const fraction of [0.3, 0.5, 0.9]) {
    add('truncated JPEG', `cut-${fraction}.jpg`, jpg.subarray(0, Math.floor(jpg.length * fraction)), { code: 'corrupt' });
    add('truncated PNG', `cut-${fraction}.png`, png.subarray(0, Math.floor(png.length * fraction)), { code: 'corrupt' });
  }
  for (const seed of WARNING_FLIP_SEEDS) add('bit-flipped JPEG (libjpeg warns)', `flip-${seed}.jpg`, bitFlip(jpg, seed), { code: 'corrupt' });
  const small = await sharp(png).resize(200, 200).jpeg().toBuffer();
  add('header/data size mismatch', 'claims-7000.jpg', withJpegSize(small, 7000, 7000), { code: 'corrupt' });
  add('header/data size mismatch', 'claims-300.jpg', withJpegSize(small, 300, 300), { code: 'corrupt' });
  add('pixel bomb (header)', 'bomb-header.jpg', withJpegSize(small, 60000, 60000), { code: 'too_many_pixels' });
  const pixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer();
  add('pixel bomb (PNG header 20000x20000)', 'bomb.png', withPngSize(pixel, 20000, 20000), { code: 'too_many_pixels' });
  add('pixel bomb (PNG header 1x100000000)', 'strip.png', withPngSize(pixel, 1, 100_000_000), { code: 'too_many_pixels' });

  if (options.localOnly !== false) {
    const fifo = path.join(dir, 'fifo.jpg');
    execFileSync('mkfifo', [fifo]);
    cases.push({ kind: 'FIFO', file: fifo, expect: { code: 'not_a_file' }, localOnly: true });
    const zero = path.join(dir, 'zero.jpg');
    symlinkSync('/dev/zero', zero);
    cases.push({ kind: 'device (/dev/zero)', file: zero, expect: { code: 'not_a_file' }, localOnly: true });
    const sparse = path.join(dir, 'sparse-1gb.jpg');
    const fd = openSync(sparse, 'w');
    writeFileSync(fd, jpg.subarray(0, 4));
    ftruncateSync(fd, 1024 ** 3);
    closeSync(fd);
    cases.push({ kind: '1 GB sparse file', file: sparse, expect: { code: 'too_large' }, localOnly: true });
  }
  return cases;
}

/** A folder with a good photo, links back to itself and its parent (loops), and a subfolder to make unreadable. */
export function writeLoopFolder(dir: string): { folder: string; locked: string; photos: string[] } {
  const folder = path.join(dir, 'loop');
  mkdirSync(path.join(folder, 'sub'), { recursive: true });
  const png = readFileSync(ASTRONAUT);
  const photos = [path.join(folder, 'a.png'), path.join(folder, 'sub', 'b.png')];
  for (const photo of photos) writeFileSync(photo, png);
  symlinkSync('.', path.join(folder, 'self'));
  symlinkSync('..', path.join(folder, 'sub', 'up'));
  symlinkSync('a.png', path.join(folder, 'also-a.png'));
  const locked = path.join(folder, 'locked');
  mkdirSync(locked);
  writeFileSync(path.join(locked, 'hidden.png'), png);
  return { folder, locked, photos };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node --import tsx test/fuzz/corpus.ts OUTDIR');
  mkdirSync(dir, { recursive: true });
  const cases = await writeCorpus(dir);
  for (const c of cases) console.log(`${JSON.stringify(path.basename(c.file))}\t${c.kind}\t${'code' in c.expect ? c.expect.code : 'ok'}`);
  console.log(`${cases.length} cases in ${dir}`);
}

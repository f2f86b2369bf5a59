import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { InputError } from '../core/errors.js';
import { decodeImage, encodeImage, isSrgbProfile } from './decode.js';
import { bitFlip, WARNING_FLIP_SEEDS, withJpegSize } from '../../test/fuzz/corpus.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const astronaut = path.join(repoRoot, 'examples/astronaut.png');
const dir = mkdtempSync(path.join(tmpdir(), 'howold-decode-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A 60x40 image: left half red, right half blue (easy to check orientation). */
function halves(): Sharp {
  const data = Buffer.alloc(60 * 40 * 3);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 60; x++) data.set(x < 30 ? [220, 20, 20] : [20, 20, 220], (y * 60 + x) * 3);
  return sharp(data, { raw: { width: 60, height: 40, channels: 3 } });
}

async function rejects(input: string | Buffer, code: string, reason: RegExp, name?: string, options = {}): Promise<void> {
  await assert.rejects(decodeImage(input, options, name), (err: unknown) => {
    assert.ok(err instanceof InputError, `InputError expected, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, reason);
    assert.ok(!err.message.includes('\n'), 'one line');
    const label = name ?? (typeof input === 'string' ? input : '<buffer>');
    assert.ok(err.message.startsWith(`${label}: `), `names the file: ${err.message}`);
    return true;
  });
}

describe('decodeImage', () => {
  test('JPEG, PNG and WebP from a path or a Buffer decode to RGB', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const bytes = await halves().toFormat(format).toBuffer();
      const file = path.join(dir, `halves.${format}`);
      writeFileSync(file, bytes);
      for (const input of [file, bytes]) {
        const image = await decodeImage(input);
        assert.equal(image.width, 60);
        assert.equal(image.height, 40);
        assert.equal(image.data.length, 60 * 40 * 3);
        const [r, , b] = image.data.subarray(0, 3);
        assert.ok(r > 180 && b < 60, `${format}: top-left is red (${r}, ${b})`);
      }
    }
  });

  test('RGBA and greyscale become RGB', async () => {
    const rgba = await sharp({ create: { width: 10, height: 12, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } }).png().toBuffer();
    const grey = await halves().greyscale().png().toBuffer();
    assert.equal((await decodeImage(rgba)).data.length, 10 * 12 * 3);
    const g = await decodeImage(grey);
    assert.equal(g.data.length, 60 * 40 * 3);
    assert.equal(g.data[0], g.data[1]);
  });

  test('EXIF orientation 6 is applied: width and height swap and the image turns', async () => {
    const bytes = await halves().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal((await sharp(bytes).metadata()).orientation, 6);
    const image = await decodeImage(bytes);
    assert.equal(image.width, 40);
    assert.equal(image.height, 60);
    // Orientation 6 = rotate 90 degrees clockwise to display: the red left half ends up on top.
    const top = image.data.subarray(0, 3);
    const bottom = image.data.subarray((59 * 40) * 3, (59 * 40) * 3 + 3);
    assert.ok(top[0] > 180 && bottom[2] > 180, `red on top, blue below: ${[...top]} / ${[...bottom]}`);
  });

  test('large images shrink on load to maxSide', async () => {
    const big = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const image = await decodeImage(big);
    assert.deepEqual([image.width, image.height], [1600, 800]);
    const small = await decodeImage(big, { maxSide: 300 });
    assert.deepEqual([small.width, small.height], [300, 150]);
  });

  test('a real photo decodes', async () => {
    const image = await decodeImage(astronaut);
    assert.ok(image.width > 100 && image.height > 100);
    assert.equal(image.data.length, image.width * image.height * 3);
    const again = await decodeImage(await encodeImage(image, 'png'));
    assert.deepEqual(again.data, image.data);
  });

  test('a photo shrunk on load still reports its own size', async () => {
    const image = await decodeImage(astronaut, { maxSide: 128 });
    assert.deepEqual([image.width, image.height], [128, 128]);
    assert.deepEqual([image.originalWidth, image.originalHeight], [512, 512]);
  });

  test('raw pixels pass through; malformed raw pixels are refused', async () => {
    const raw = { data: new Uint8Array(12), width: 2, height: 2 };
    const decoded = await decodeImage(raw);
    assert.equal(decoded.data, raw.data, 'the pixels are used as they are, not copied');
    assert.deepEqual([decoded.width, decoded.height, decoded.originalWidth, decoded.originalHeight], [2, 2, 2, 2]);
    await assert.rejects(decodeImage({ data: new Uint8Array(11), width: 2, height: 2 }), /bad_pixels|raw pixels/);
  });

  test('raw pixels have the pixel limit and the shrink on load of encoded photos', async () => {
    const tall = await decodeImage({ data: new Uint8Array(90000), width: 1, height: 30000 });
    assert.deepEqual([tall.width, tall.height, tall.originalWidth, tall.originalHeight], [1, 1600, 1, 30000]);
    assert.equal(tall.data.length, 1600 * 3);
    await assert.rejects(decodeImage({ data: new Uint8Array(12 * 11 * 3), width: 12, height: 11 }, { maxPixels: 100 }, 'frame'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.code, 'too_many_pixels');
      assert.equal(err.message, 'frame: image is 12x11 = 132 pixels, over the limit of 100');
      return true;
    });
  });
});

describe('decodeImage refuses bad input with one line naming the file', () => {
  test('a text file renamed .jpg', async () => {
    const file = path.join(dir, 'notes.jpg');
    writeFileSync(file, 'this is not a picture\n');
    await rejects(file, 'not_an_image', /not an image/);
  });

  test('a truncated JPEG (a real photo cut in half)', async () => {
    const photo = await sharp(astronaut).jpeg({ quality: 90 }).toBuffer();
    const file = path.join(dir, 'truncated.jpg');
    writeFileSync(file, photo.subarray(0, Math.floor(photo.length / 2)));
    await rejects(file, 'corrupt', /corrupt or truncated/);
  });

  test('a truncated PNG', async () => {
    const bytes = readFileSync(astronaut);
    await rejects(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'corrupt', /corrupt or truncated/, 'cut.png');
  });

  test('a PNG bomb: 20000x20000 pixels in about a megabyte is refused by the pixel limit', async () => {
    const bomb = await sharp({ limitInputPixels: false, create: { width: 20000, height: 20000, channels: 3, background: '#ffffff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    assert.ok(bomb.length < 5_000_000, `bomb is ${bomb.length} bytes`);
    const file = path.join(dir, 'bomb.png');
    writeFileSync(file, bomb);
    await rejects(file, 'too_many_pixels', /20000x20000 = 400000000 pixels, over the limit of 50000000/);
    await assert.rejects(decodeImage(await halves().png().toBuffer(), { maxPixels: 1000 }), /over the limit of 1000/);
  });

  test('missing, empty, and unsupported files', async () => {
    await rejects(path.join(dir, 'missing.jpg'), 'unreadable', /cannot read file \(ENOENT/);
    const empty = path.join(dir, 'empty.png');
    writeFileSync(empty, '');
    await rejects(empty, 'empty', /empty file/);
    const gif = path.join(dir, 'anim.gif');
    writeFileSync(gif, await halves().gif().toBuffer());
    await rejects(gif, 'unsupported_format', /unsupported image format 'gif'/);
  });

  test('libjpeg warnings are errors: bit flips it reports, and a header claiming more pixels than the data holds', async () => {
    const jpeg = await sharp(astronaut).jpeg({ quality: 90 }).toBuffer();
    await rejects(bitFlip(jpeg, WARNING_FLIP_SEEDS[0]!), 'corrupt', /Corrupt JPEG data/);
    const small = await sharp(astronaut).resize(200, 200).jpeg().toBuffer();
    await rejects(withJpegSize(small, 7000, 7000), 'corrupt', /corrupt or truncated image/);
  });

  test('encoded buffers and files over maxBytes are refused before decoding', async () => {
    const png = readFileSync(astronaut);
    await rejects(png, 'too_large', /over the limit of 1 kB/, undefined, { maxBytes: 1024 });
    await rejects(astronaut, 'too_large', /over the limit of 1 kB/, undefined, { maxBytes: 1024 });
  });
});

describe('embedded colour profiles', () => {
  /** sharp's own colour-managed decode: every embedded profile converted to sRGB. */
  const managed = async (bytes: Buffer) => sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const unmanaged = async (bytes: Buffer) => sharp(bytes, { ignoreIcc: true }).removeAlpha().toColourspace('srgb').raw().toBuffer();

  test('an sRGB profile skips the transform and gives the same pixels bit for bit', async () => {
    const tagged = [
      ['examples/astronaut.png (IEC61966-2.1)', readFileSync(astronaut)],
      ["sharp's compact sRGB in a JPEG", await sharp(astronaut).withIccProfile('srgb').jpeg().toBuffer()],
    ] as const;
    for (const [what, bytes] of tagged) {
      assert.equal(isSrgbProfile((await sharp(bytes).metadata()).icc), true, what);
      const decoded = await decodeImage(bytes);
      assert.ok(Buffer.from(decoded.data).equals(await managed(bytes)), `${what}: same pixels as the colour-managed decode`);
    }
  });

  test("over a cube of colours, skipping HP's sRGB profile moves no value by more than one level", async () => {
    // 64 levels per channel (every 4th), 262,144 colours, tagged with the astronaut's IEC61966-2.1 profile
    const cube = Buffer.alloc(512 * 512 * 3);
    for (let i = 0; i < 512 * 512; i++) cube.set([(i >> 12) * 4 + 2, ((i >> 6) & 63) * 4 + 1, (i & 63) * 4], i * 3);
    const profile = path.join(dir, 'iec61966-2.1.icc');
    writeFileSync(profile, (await sharp(astronaut).metadata()).icc!);
    const png = await sharp(cube, { raw: { width: 512, height: 512, channels: 3 } }).withIccProfile(profile).png().toBuffer();
    assert.equal(isSrgbProfile((await sharp(png).metadata()).icc), true);
    const skipped = (await decodeImage(png)).data;
    const converted = await managed(png);
    let worst = 0;
    for (let i = 0; i < converted.length; i++) worst = Math.max(worst, Math.abs(skipped[i]! - converted[i]!));
    assert.ok(worst <= 1, `largest difference ${worst} levels`);
  });

  test('a 16-bit PNG tagged sRGB decodes to its stored values', async () => {
    const stored = await sharp(astronaut, { ignoreIcc: true }).raw().toBuffer();
    const png16 = await sharp(astronaut).toColourspace('rgb16').withIccProfile('srgb').png().toBuffer();
    assert.equal((await sharp(png16).metadata()).depth, 'ushort');
    assert.ok(Buffer.from((await decodeImage(png16)).data).equals(stored));
  });

  test('a 16-bit PNG tagged Display P3 is converted to sRGB, within 2 levels of its 8-bit source', async () => {
    const stored = await sharp(astronaut, { ignoreIcc: true }).raw().toBuffer();
    const png16 = await sharp(astronaut).toColourspace('rgb16').withIccProfile('p3').png().toBuffer();
    const decoded = (await decodeImage(png16)).data;
    assert.equal(decoded.length, stored.length, '8-bit RGB out');
    let worst = 0;
    for (let i = 0; i < stored.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - stored[i]!));
    assert.ok(worst <= 2, `largest difference ${worst} levels`);
  });

  test('a Display P3 photo is still converted to sRGB', async () => {
    const p3 = await sharp(astronaut).withIccProfile('p3').jpeg().toBuffer();
    assert.equal(isSrgbProfile((await sharp(p3).metadata()).icc), false);
    const decoded = Buffer.from((await decodeImage(p3)).data);
    assert.ok(decoded.equals(await managed(p3)), 'converted as sharp converts it');
    assert.ok(!decoded.equals(await unmanaged(p3)), 'not the P3 values read as sRGB');
  });

  test("no profile, one that does not parse, or ICC's sRGB v4 preference is not taken for sRGB", async () => {
    const icc = (await sharp(astronaut).metadata()).icc!;
    // the same profile described as the v4 preference one (same length, so the tag table still holds)
    const renamed = Buffer.from(icc.toString('latin1').replaceAll('sRGB IEC61966-2.1', 'sRGB preference 4'), 'latin1');
    assert.equal(isSrgbProfile(renamed), false);
    assert.equal(isSrgbProfile(undefined), false);
    assert.equal(isSrgbProfile(Buffer.from('not an ICC profile at all, just text')), false);
  });
});

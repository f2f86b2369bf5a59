import { parse as parseIcc } from 'icc';
import sharp, { type Metadata } from 'sharp';
import { InputError, errorMessage } from '../core/errors.js';
import { checkInteger, invalid, isPlainObject } from '../core/checks.js';
import type { RgbImage } from '../core/types.js';
import { isRgbImage } from '../core/rgb-image.js';
import { DEFAULT_MAX_SIDE, type DecodedImage } from './photo-pixels.js';
import { DEFAULT_MAX_BYTES, readRegularFile, tooLarge } from '../core/read-file.js';

export { isRgbImage };
export { DEFAULT_MAX_SIDE, toPhotoPixels, type DecodedImage } from './photo-pixels.js';

export interface DecodeOptions {
  /** Images with more pixels than this are refused before decoding (decompression bombs). */
  maxPixels?: number;
  /** The longer side is shrunk to at most this many pixels on load (JPEG shrink-on-load keeps it cheap). */
  maxSide?: number;
  /** Encoded files (paths and buffers) larger than this many bytes are refused before reading. Default 64 MiB. */
  maxBytes?: number;
}

export { DEFAULT_MAX_BYTES };

export const DEFAULT_MAX_PIXELS = 50_000_000;
const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp']);

/** Decoding limits, checked (each a positive integer); undefined fields keep the defaults. */
export function checkDecodeOptions(options: unknown, name = 'options'): DecodeOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalid('an object', name, options);
  const o = options as DecodeOptions;
  return {
    ...(o.maxPixels === undefined ? {} : { maxPixels: checkInteger(o.maxPixels, `${name}.maxPixels`, 1) }),
    ...(o.maxSide === undefined ? {} : { maxSide: checkInteger(o.maxSide, `${name}.maxSide`, 1) }),
    ...(o.maxBytes === undefined ? {} : { maxBytes: checkInteger(o.maxBytes, `${name}.maxBytes`, 1) }),
  };
}

/** Something that names an image: a path, encoded bytes, or pixels already decoded. */
export type ImageInput = string | Buffer | Uint8Array | RgbImage;

/**
 * Decodes JPEG, PNG or WebP to RGB with the EXIF orientation applied. Throws InputError with a one-line
 * message naming the file for anything that is not a whole, supported image within the pixel limit.
 */
export async function decodeImage(input: ImageInput, options: DecodeOptions = {}, name?: string): Promise<DecodedImage> {
  checkDecodeOptions(options);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof input === 'object' && !(input instanceof Uint8Array)) return decodeRaw(checkRaw(input, maxPixels, name), maxSide, name);
  const label = name ?? (typeof input === 'string' ? input : '<buffer>');
  if (typeof input !== 'string' && input.byteLength > maxBytes) throw tooLarge(input.byteLength, maxBytes, label);
  const bytes = typeof input === 'string' ? await readRegularFile(input, maxBytes, label) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length === 0) throw new InputError('empty', 'empty file', label);

  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new InputError('not_an_image', 'not an image (expected JPEG, PNG or WebP)', label);
  }
  if (!metadata.format || !SUPPORTED_FORMATS.has(metadata.format)) {
    throw new InputError('unsupported_format', `unsupported image format '${metadata.format ?? 'unknown'}' (expected JPEG, PNG or WebP)`, label);
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width * height > maxPixels) {
    throw new InputError('too_many_pixels', `image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`, label);
  }

  try {
    const srgb = isSrgbProfile(metadata.icc);
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', ignoreIcc: srgb })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha();
    // sharp's working space for 16-bit images is P3, so their profile's transform must be asked to end in sRGB (the
    // colourspace conversion alone shifts P3 values to 8 bits: a 16-bit P3 PNG came out up to 38 levels off)
    pipeline = metadata.icc && !srgb && metadata.depth === 'ushort' ? pipeline.withIccProfile('srgb') : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    // EXIF orientations 5-8 turn the photo a quarter: its displayed size is the stored size swapped
    const quarterTurn = (metadata.orientation ?? 1) >= 5;
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      originalWidth: quarterTurn ? height : width,
      originalHeight: quarterTurn ? width : height,
    };
  } catch (err) {
    const text = errorMessage(err);
    const truncated = /truncat|premature|corrupt|invalid|unexpected end|bad|read error/i.test(text);
    throw new InputError(truncated ? 'corrupt' : 'decode_failed', `${truncated ? 'corrupt or truncated image' : 'cannot decode image'} (${text})`, label);
  }
}

/**
 * Whether an embedded ICC profile is sRGB itself, by its description. sharp converts every profiled image to sRGB;
 * from sRGB that transform is the identity but for rounding (no pixel of the photos in decode.test.ts changes; over a
 * cube of colours with the common IEC61966-2.1 profile no value moves by more than one level, decode.test.ts) and it costs as much as
 * decoding the pixels (examples/astronaut.png: 4.4 ms to decode, 8-11 ms with it), so it is skipped. Any other
 * profile (Display P3, Adobe RGB, grey) is still converted, and so is ICC's "sRGB v4 ICC preference", whose
 * perceptual tables are not the identity. A profile that does not parse is left to sharp.
 */
export function isSrgbProfile(icc: Buffer | undefined): boolean {
  if (!icc) return false;
  try {
    const profile = parseIcc(icc);
    const description = profile.description ?? '';
    return profile.colorSpace === 'RGB' && /^sRGB\b/.test(description) && !/preference/i.test(description);
  } catch {
    return false;
  }
}

function checkRaw(image: RgbImage, maxPixels: number, name?: string): RgbImage {
  const label = name ?? '<pixels>';
  if (!isRgbImage(image)) {
    throw new InputError('bad_pixels', 'raw pixels must be {data: Uint8Array of width*height*3 RGB bytes, width, height}', label);
  }
  const { width, height } = image;
  if (width * height > maxPixels) {
    throw new InputError('too_many_pixels', `image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`, label);
  }
  return image;
}

/** Raw pixels get the same shrink on load as encoded photos, so every caller sees the same sizes downstream. */
async function decodeRaw(image: RgbImage, maxSide: number, name?: string): Promise<DecodedImage> {
  if (image.width <= maxSide && image.height <= maxSide) return { ...image, originalWidth: image.width, originalHeight: image.height };
  try {
    const { data, info } = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
      raw: { width: image.width, height: image.height, channels: 3 },
      limitInputPixels: false,
    })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, originalWidth: image.width, originalHeight: image.height };
  } catch (err) {
    throw new InputError('bad_pixels', `cannot resize the raw pixels (${errorMessage(err)})`, name ?? '<pixels>');
  }
}

/** Encodes RGB pixels as PNG or JPEG (for crops, galleries and annotated photos). */
export async function encodeImage(image: RgbImage, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const pipeline = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  return format === 'png' ? pipeline.png().toBuffer() : pipeline.jpeg({ quality: 90 }).toBuffer();
}

// One estimate call, shared by Node (estimator.ts) and the browser entry: its options, their checks, and the
// result of an array call (one slot per input, in order: the photo's faces and size, or why it failed). No Node
// imports.
import type { Face } from '../core/types.js';
import { checkBoolean, checkNumber, checkString, invalid, isPlainObject } from '../core/checks.js';
import { errorMessage, HowoldError, InputError } from '../core/errors.js';
import { checkDetectOptions, type DetectOptions } from '../detect/pipeline.js';
import type { DecodedImage } from '../image/photo-pixels.js';

/** What every estimate call may change: the detector's minScore and faceDetector, and the age readout. */
export interface AgeCallOptions extends DetectOptions {
  /** Quantiles of the age distribution reported as `low` and `high` for this call. Default: the estimator's. */
  interval?: [number, number];
  /** Mirror test-time augmentation for this call (each face also run flipped, averaged). Default: the estimator's. */
  flip?: boolean;
}

/** One photo's faces, in the photo's own pixels (EXIF orientation applied), `width` x `height`. */
export interface PhotoEstimate {
  /** The photo's name: `options.names[i]`, else its path (or File name), else 'image i'. */
  input: string;
  width: number;
  height: number;
  faces: Face[];
  error?: undefined;
}

/** A photo that could not be used, and why: `error.code` ('not_an_image', 'corrupt', ...) and a one-line message naming it. */
export interface PhotoFailure {
  input: string;
  error: HowoldError;
  faces?: undefined;
}

/** One slot of an array call. `if (result.error)` tells a failed photo from one with faces (TypeScript narrows on either field). */
export type EstimateResult = PhotoEstimate | PhotoFailure;

/** A photo decoded (or refused) and named, on its way to the pipeline. */
export interface DecodedSlot {
  input: string;
  image: DecodedImage | HowoldError;
}

export function checkInterval(value: unknown, name: string): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw invalid('[low, high] quantiles', name, value);
  checkNumber(value[0], `${name}[0]`, 0, 1);
  checkNumber(value[1], `${name}[1]`, value[0] as number, 1);
  return [value[0], value[1]];
}

/** The per-call options, checked; undefined fields keep the estimator's. */
export function checkAgeCallOptions(options: unknown, name = 'options'): AgeCallOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalid('an options object', name, options);
  return {
    ...checkDetectOptions(options, name),
    ...(options.interval === undefined ? {} : { interval: checkInterval(options.interval, `${name}.interval`) }),
    ...(options.flip === undefined ? {} : { flip: checkBoolean(options.flip, `${name}.flip`) }),
  };
}

/** `options.name` of a one-image call, checked (undefined when not given). */
export function checkImageName(options: unknown, name = 'options'): string | undefined {
  const value = isPlainObject(options) ? options.name : undefined;
  return value === undefined ? undefined : checkString(value, `${name}.name`);
}

/** `options.names` of an array call: one non-empty string per input, or undefined. */
export function checkImageNames(options: unknown, count: number, name = 'options'): string[] | undefined {
  const value = isPlainObject(options) ? options.names : undefined;
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== count) throw invalid(`an array of ${count} names`, `${name}.names`, value);
  return value.map((v, i) => checkString(v, `${name}.names[${i}]`));
}

/** The error of a photo that failed, as a HowoldError naming it: ours as they are, anything else under `code`. */
export function photoError(err: unknown, input: string, code: 'decode_failed' | 'detection_failed'): HowoldError {
  if (err instanceof HowoldError) return err;
  const what = code === 'decode_failed' ? 'cannot decode image' : 'face detection failed';
  return new InputError(code, `${what} (${errorMessage(err)})`, input, { cause: err });
}

/** Decodes each input in turn; one that fails gets its HowoldError in its slot, and the rest go on. */
export async function decodeSlots<T>(inputs: readonly T[], names: readonly string[], decode: (input: T, name: string) => Promise<DecodedImage>): Promise<DecodedSlot[]> {
  const slots: DecodedSlot[] = [];
  for (const [i, input] of inputs.entries()) {
    const name = names[i]!;
    try {
      slots.push({ input: name, image: await decode(input, name) });
    } catch (err) {
      slots.push({ input: name, image: photoError(err, name, 'decode_failed') });
    }
  }
  return slots;
}

/** The faces of a one-image call, or its error thrown. */
export function facesOrThrow(result: EstimateResult | undefined): Face[] {
  if (!result) throw new Error('no result for the image');
  if (result.error) throw result.error;
  return result.faces;
}

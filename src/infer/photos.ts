// Photos (paths or encoded bytes) to faces in the photo's own pixel coordinates, for the CLI and the server.
import sharp from 'sharp';
import type { Face, FaceLandmarks, Point } from '../core/types.js';
import { decodeImage, type DecodeOptions } from '../image/decode.js';
import type { AgeEstimator } from './estimator.js';

export interface PhotoFaces {
  /** Size of the photo as displayed (EXIF orientation applied), the space of every box and landmark. */
  width: number;
  height: number;
  faces: Face[];
}

export type PhotoInput = string | Buffer | Uint8Array;

/**
 * Decodes the photos (several in flight), then estimates all their faces in one model call. decodeImage shrinks
 * large photos before detection, so boxes and landmarks are scaled back to the photo's own pixels here.
 * A photo that cannot be used gets its Error (an InputError naming it) in its slot; nothing throws.
 */
export async function estimatePhotos(
  estimator: AgeEstimator,
  photos: PhotoInput[],
  options: { decode?: DecodeOptions; names?: string[] } = {},
): Promise<(PhotoFaces | Error)[]> {
  const decoded = await Promise.all(
    photos.map(async (photo, i) => {
      const name = options.names?.[i] ?? (typeof photo === 'string' ? photo : undefined);
      try {
        const image = await decodeImage(photo, options.decode, name);
        const meta = await sharp(photo).metadata();
        const width = meta.autoOrient?.width ?? meta.width ?? image.width;
        const height = meta.autoOrient?.height ?? meta.height ?? image.height;
        return { image, width, height };
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
  const ok = decoded.filter((d): d is Exclude<typeof d, Error> => !(d instanceof Error));
  const estimated = await estimator.estimateMany(ok.map((d) => d.image));
  let next = 0;
  return decoded.map((d) => {
    if (d instanceof Error) return d;
    const faces = estimated[next++]!;
    if (faces instanceof Error) return faces;
    const sx = d.width / d.image.width;
    const sy = d.height / d.image.height;
    return { width: d.width, height: d.height, faces: sx === 1 && sy === 1 ? faces : faces.map((f) => scaleFace(f, sx, sy)) };
  });
}

function scaleFace(face: Face, sx: number, sy: number): Face {
  const p = (q: Point): Point => ({ x: q.x * sx, y: q.y * sy });
  const { points, ...named } = face.landmarks;
  const landmarks = Object.fromEntries(Object.entries(named).map(([k, q]) => [k, p(q)])) as unknown as FaceLandmarks;
  if (points) landmarks.points = points.map(p);
  const b = face.box;
  return { ...face, box: { x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy }, landmarks };
}

/** A face as plain JSON: numbers rounded (0.1 px, 0.1 year, 0.001), five named landmarks, distribution on request. */
export interface FaceJson {
  box: { x: number; y: number; width: number; height: number };
  age: number;
  low: number;
  high: number;
  gender?: { label: 'male' | 'female'; probability: number };
  score: number;
  landmarks: Record<'leftEye' | 'rightEye' | 'nose' | 'mouthLeft' | 'mouthRight', Point>;
  distribution?: number[];
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

export function faceToJson(face: Face, options: { distribution?: boolean } = {}): FaceJson {
  const { points: _points, ...named } = face.landmarks;
  const json: FaceJson = {
    box: { x: r1(face.box.x), y: r1(face.box.y), width: r1(face.box.width), height: r1(face.box.height) },
    age: r1(face.age),
    low: r1(face.low),
    high: r1(face.high),
    ...(face.gender ? { gender: { label: face.gender.label, probability: r3(face.gender.probability) } } : {}),
    score: r3(face.score),
    landmarks: Object.fromEntries(Object.entries(named).map(([k, q]) => [k, { x: r1(q.x), y: r1(q.y) }])) as FaceJson['landmarks'],
  };
  if (options.distribution) json.distribution = face.distribution.map((v) => Math.round(v * 1e6) / 1e6);
  return json;
}

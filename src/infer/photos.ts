// Faces as plain JSON, the one shape the CLI, the server and the queue print and send.
import type { DetectedFace, Face, Point } from '../core/types.js';
import { probabilityUnder } from './age-pipeline.js';

/** A face as plain JSON: numbers rounded (0.1 px, 0.1 year, 0.001), five named landmarks, distribution on request. */
export interface FaceJson {
  box: { x: number; y: number; width: number; height: number };
  age: number;
  low: number;
  high: number;
  gender?: { label: 'male' | 'female'; probability: number };
  score: number;
  landmarks: Record<'leftEye' | 'rightEye' | 'nose' | 'mouthLeft' | 'mouthRight', Point>;
  /** P(age < years), on request (predict --under, ?under=). */
  under?: { years: number; probability: number };
  distribution?: number[];
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** A detected face as plain JSON: box and landmarks rounded to 0.1 px, score to 0.001, the five named landmarks. */
export function detectedFaceToJson(face: DetectedFace): Pick<FaceJson, 'box' | 'score' | 'landmarks'> {
  const { points: _points, ...named } = face.landmarks;
  return {
    box: { x: r1(face.box.x), y: r1(face.box.y), width: r1(face.box.width), height: r1(face.box.height) },
    score: r3(face.score),
    landmarks: Object.fromEntries(Object.entries(named).map(([k, q]) => [k, { x: r1(q.x), y: r1(q.y) }])) as FaceJson['landmarks'],
  };
}

/** P(age < years) as a face's `under` field, rounded to 0.001. */
export function underJson(distribution: ArrayLike<number>, years: number): NonNullable<FaceJson['under']> {
  return { years, probability: r3(probabilityUnder({ distribution }, years)) };
}

export function faceToJson(face: Face, options: { distribution?: boolean; under?: number } = {}): FaceJson {
  const { box, score, landmarks } = detectedFaceToJson(face);
  const json: FaceJson = {
    box,
    age: r1(face.age),
    low: r1(face.low),
    high: r1(face.high),
    ...(face.gender ? { gender: { label: face.gender.label, probability: r3(face.gender.probability) } } : {}),
    score,
    landmarks,
  };
  if (options.under !== undefined) json.under = underJson(face.distribution, options.under);
  if (options.distribution) json.distribution = face.distribution.map((v) => Math.round(v * 1e6) / 1e6);
  return json;
}

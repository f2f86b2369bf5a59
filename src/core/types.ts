import type { AgeGroup } from './age-group.js';

/** An axis-aligned rectangle in pixel coordinates of the image it was found in. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Five landmarks every detector provides; `points` holds the detector's full set (68 for face-api). */
export interface FaceLandmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
  points?: Point[];
}

export interface DetectedFace {
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  landmarks: FaceLandmarks;
}

/** Decoded pixels: RGB, row-major, height x width x 3, uint8. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Gender = 'male' | 'female';

export interface AgeEstimate {
  /** Expected age in years (the mean of the model's distribution, before any calibration). */
  age: number;
  /** Lower and upper bounds of the predicted interval (10th and 90th percentile by default, of the calibrated distribution). */
  low: number;
  high: number;
  /** Probability of each age 0..100 (calibrated when the model has a calibration: see howold calibrate). */
  distribution: number[];
  gender?: { label: Gender; probability: number };
}

export interface Face extends DetectedFace, AgeEstimate {}

/** How a model wants its face crops: travels with the weights, never hard-coded by callers. */
export interface Preprocessing {
  /** Side of the square network input, pixels. */
  inputSize: number;
  /** Per-channel mean and std applied as (pixel - mean) / std on 0..255 values. */
  mean: [number, number, number];
  std: [number, number, number];
  /** Crop side as a multiple of the face scale (see image/align.ts). */
  margin: number;
  /**
   * 'eyes': rotate so the eyes are level, framed by eyes and mouth; 'landmarks': eye-level, framed by the
   * 68-landmark box; 'faceapi': that box upright, as face-api.js cuts it; 'faceapi-level': the same crop turned so
   * the eyes are level; 'none': the image is already an aligned crop (see image/align.ts).
   */
  align: 'eyes' | 'landmarks' | 'faceapi' | 'faceapi-level' | 'none';
  /** Outside the image the crop shows 'edge' (the edge pixels repeated; the default) or 'reflect' (see image/align.ts). */
  fill?: CropFill;
}

/** What a face crop shows where it reaches past the image (image/align.ts). */
export type CropFill = 'edge' | 'reflect';

/** One labelled sample from any dataset reader. */
export interface LabelledRow {
  path: string;
  /** Age in whole years as labelled; with `ageGroup`, the group's middle (groupMiddle), not a measured age. */
  age: number;
  /** Set when the labels give only an age group (FairFace, manifests with age_group). */
  ageGroup?: AgeGroup;
  gender?: Gender;
  /** As the dataset names it (UTKFace: White, Black, Asian, Indian, Others). */
  race?: string;
  /** Face box in the image, when the dataset gives one (IMDB-WIKI face_location). */
  faceBox?: Box;
  /** Identity, when known (FG-NET subject): splits keep a subject on one side. */
  subject?: string;
}

/** A row a reader refused, with a reason code such as 'bad_filename' or 'age_out_of_range'. */
export interface RejectedRow {
  path: string;
  reason: string;
  detail?: string;
}

export type SplitName = 'train' | 'val' | 'test';

/** The runtime running a network, the same word everywhere (`estimate.engine`, `detector.engine`, the CLI, the API). */
export type Engine = 'onnxruntime-node' | 'onnxruntime-web' | 'tfjs';

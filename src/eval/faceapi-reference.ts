// face-api.js's AgeGenderNet as the reference line of the benchmarks: its original network and age regression
// (models/tinyxception.ts), fed a detected face in face-api's framing: the 68-landmark box padded by
// LANDMARK_BOX_MARGIN. Unlike face-api's own pipeline the box is turned with the eyes (alignFace's
// 'landmarks' frame); on upright faces the two are the same crop.
import type { DetectedFace, RgbImage } from '../core/types.js';
import { alignFace, LANDMARK_BOX_MARGIN, type AlignSpec } from '../image/align.js';
import { cropsToInput } from '../infer/age-pipeline.js';
import { buildFaceApiAgeRegression, FACE_API_AGE_PREPROCESSING } from '../models/tinyxception.js';
import { initBackend, tf } from '../tf/backend.js';

export const FACE_API_FRAME: AlignSpec = { size: FACE_API_AGE_PREPROCESSING.inputSize, margin: LANDMARK_BOX_MARGIN, align: 'landmarks' };

export interface FaceApiReference {
  /** The crop face-api's network sees for a face of `image`. */
  crop(image: RgbImage, face: DetectedFace): RgbImage;
  /** Ages (face-api's regression, years) of crops made by `crop`, in one batch. */
  ages(crops: RgbImage[]): Promise<number[]>;
  dispose(): void;
}

export async function createFaceApiReference(): Promise<FaceApiReference> {
  await initBackend();
  const model = await buildFaceApiAgeRegression();
  const size = FACE_API_AGE_PREPROCESSING.inputSize;
  return {
    crop: (image, face) => alignFace(image, face, FACE_API_FRAME),
    async ages(crops) {
      if (crops.length === 0) return [];
      const input = tf.tensor4d(cropsToInput(crops, FACE_API_AGE_PREPROCESSING), [crops.length, size, size, 3]);
      const output = model.predict(input) as tf.Tensor;
      const ages = Array.from(await output.data());
      tf.dispose([input, output]);
      return ages;
    },
    dispose: () => model.dispose(),
  };
}

// The labelled face of each dataset image, cropped as the estimator's model sees it: decode, detect (the
// estimator's own detector in photo mode, a detector of its own for 'crop'), pick the labelled face, align with
// the model's margin and frame. One loop for eval's estimates and the report's galleries, so a gallery shows the
// very face that was scored.
import type { LabelledRow } from '../core/types.js';
import { cropLabelledFace, type LabelledCrop } from '../data/labelled-face.js';
import { createFaceDetector, type DetectorMode } from '../detect/index.js';
import { decodeImage } from '../image/decode.js';
import type { AgeEstimator } from '../infer/estimator.js';

export type RowCrop<R> = { row: R; crop: LabelledCrop; error?: undefined } | { row: R; crop?: undefined; error: unknown };

/**
 * Each row's crop in order, or the error that kept its image from being used (unreadable, corrupt). A face that is
 * not found gives the whole image (crop.detected false). `size`: side of the crops, default the model's input.
 */
export async function* labelledFaceCrops<R extends LabelledRow>(
  rows: Iterable<R>,
  estimator: AgeEstimator,
  mode: DetectorMode,
  size = estimator.preprocessing.inputSize,
): AsyncGenerator<RowCrop<R>> {
  const p = estimator.preprocessing;
  const detector = mode === 'photo' ? estimator.detector : await createFaceDetector({ mode });
  try {
    for (const row of rows) {
      let result: RowCrop<R>;
      try {
        const image = await decodeImage(row.path);
        const crop = await cropLabelledFace(
          image,
          row,
          { size, margin: p.margin, align: p.align === 'none' ? 'eyes' : p.align, fill: p.fill, source: 'detect', fallbackToWhole: true },
          detector,
        );
        result = { row, crop };
      } catch (error) {
        result = { row, error };
      }
      yield result;
    }
  } finally {
    if (detector !== estimator.detector) await detector.dispose();
  }
}

import type { LabelledRow, RejectedRow } from '../../core/types.js';
import type { RejectCounter } from './rejects.js';

export const DATASET_FORMATS = ['imdb', 'wiki', 'utkface', 'fgnet', 'csv', 'fairface'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface DatasetReader {
  readonly format: DatasetFormat;
  /** The folder or file the rows come from, as given. */
  readonly source: string;
  /**
   * Streams the accepted rows. Each call starts over and clears `rejects`, which is complete once the
   * iteration has finished. Bad rows never throw; an unreadable source (missing folder, malformed .mat,
   * manifest without a path/age header) throws a one-line HowoldError naming the file.
   */
  rows(): AsyncIterable<LabelledRow>;
  readonly rejects: RejectCounter;
}

export interface DatasetOptions {
  /** Youngest accepted age (default 1 for UTKFace, whose infants are labelled 1; 0 otherwise). */
  minAge?: number;
  /** Oldest accepted age (default 100 for IMDB-WIKI as in DEX; 120 otherwise). */
  maxAge?: number;
  /** IMDB-WIKI .mat: lowest accepted face_score (default 1.0). */
  minFaceScore?: number;
  /**
   * IMDB-WIKI .mat: a row whose second_face_score is at least this is rejected as `second_face`. Default:
   * any detected second face rejects the row (only NaN passes), as in DEX.
   */
  maxSecondFaceScore?: number;
  /** Reject rows whose image file does not exist (`missing_file`); .mat and manifests only (default false). */
  checkFiles?: boolean;
  /** Rejected rows kept as examples per reason (default 3). */
  maxExamples?: number;
  /** Called for every rejected row, e.g. to log them all. */
  onReject?: (row: RejectedRow) => void;
}

/** UTKFace rows always carry the race of the file name, by name (0 White, 1 Black, 2 Asian, 3 Indian, 4 Others). */
export interface UtkfaceRow extends LabelledRow {
  race: string;
}

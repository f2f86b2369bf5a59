/**
 * A batch of prepared faces as it flows from shards to training and evaluation.
 * faces: `size` x `size` x 3 uint8 RGB crops, concatenated (batch, height, width, channel order).
 */
export interface FaceBatch {
  size: number;
  count: number;
  faces: Uint8Array;
  ages: Float32Array;
  /** 0 = male, 1 = female, -1 = unknown. */
  genders: Int8Array;
  /** Source path of each face (for monitor sets, galleries and audits). */
  paths: string[];
}

// howold/data: labelled datasets (one reader per format), splits, prepared shards (decode, detect, align, crop in
// worker threads) and their streams. No TF.js: preparing data runs the ONNX detector.
export { walkFiles } from './readers/walk.js';
export {
  DATASET_FORMATS,
  openDataset,
  readDataset,
  isImageName,
  parseFgnetName,
  parseImdbName,
  parseUtkfaceName,
  parseWikiName,
  RejectCounter,
  type DatasetFormat,
  type DatasetOptions,
  type DatasetReader,
  type RejectSummary,
  type UtkfaceRow,
} from './readers/index.js';
export { ageBand, splitDataset, AGE_BANDS, type AgeBand, type SplitFractions, type SplitOptions, type SplitResult } from './splits.js';
export { cropLabelledFace, pickLabelledFace, type CropSpec, type FaceSource, type LabelledCrop } from './labelled-face.js';
export { chunkRows, indexBase, prepareShards, resolveCropSpec, taskSize, type PrepareOptions, type PrepareResult } from './prepare.js';
export { chooseDetectorMode, defaultDetectorMode, CROP_FORMATS, type DetectorModeChoice } from './detector-mode.js';
export { prepareRows, type PrepareRow, type PreparedRows } from './prepare-rows.js';
export {
  finishedShards,
  readManifest,
  readShardIndex,
  shardName,
  streamShards,
  writeIndex,
  writeShard,
  type PreparedFace,
  type ShardIndex,
  type ShardManifest,
  type ShardRow,
  type StreamOptions,
} from './shards.js';

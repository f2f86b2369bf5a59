// Every `code` a HowoldError carries, each with the one line that says what it means. HowoldErrorCode is derived
// from this record, so TypeScript refuses a code raised anywhere that is not described here. No Node imports: the
// browser bundle includes it.

export const ERROR_CODES = {
  // arguments and state
  invalid_argument: 'an argument of the wrong type or out of range (the message names it and what was expected)',
  disposed: 'the estimator, detector or model was used after dispose()',
  error: 'an unexpected failure that is not one of the errors below (its message says what happened)',

  // images
  empty: 'the file or upload has no bytes',
  not_an_image: 'not an image that can be decoded (expected JPEG, PNG or WebP)',
  unsupported_format: 'an image format other than JPEG, PNG or WebP',
  corrupt: 'a corrupt or truncated image (or one libjpeg/libpng warn about)',
  decode_failed: 'an image the decoder could not read for another reason',
  bad_pixels: 'raw pixels that are not width*height*3 RGB bytes',
  too_many_pixels: 'an image with more pixels than the limit (maxPixels), refused before decoding',
  too_large: 'a file or upload with more bytes than the limit (maxBytes), refused before reading',
  not_a_file: 'a path that is not a regular file (a folder, a FIFO, a device)',
  unreadable: 'a file or folder that cannot be read (permissions, I/O error)',
  not_found: 'no such file, folder or matching image',
  no_canvas: 'the browser gives no 2D canvas to decode images with',
  detection_failed: 'face detection failed on one image for a reason other than the image itself',

  // models and engines
  model_not_found: 'no model at the path or URL (no howold.json, model.onnx or model.json)',
  bad_model: "a model file that cannot be used (invalid howold.json, not an ONNX model, the wrong input shape)",
  unsupported_model_version: 'a howold.json written for another version of howold',
  no_model_meta: 'a model folder without the howold.json that gives its preprocessing',
  engine_unavailable: 'no onnxruntime (neither onnxruntime-node nor onnxruntime-web) loads',
  missing_dependency: 'an optional dependency is not installed (the message gives the npm install command)',

  // datasets, shards and labels
  bad_source: 'a dataset source of the wrong kind (a file where a folder is expected, or the reverse)',
  bad_manifest: 'a CSV or JSON Lines manifest whose header or records cannot be read',
  bad_mat: 'an IMDB-WIKI .mat file that cannot be parsed',
  bad_labels: 'a labels file with a malformed row',
  bad_json: 'a JSON file that does not parse',
  bad_index: "a shard folder's index.json that does not parse",
  not_shards: 'not a prepared shard folder (no index.json or no finished shards)',
  no_ages: 'labels that give only age groups where exact ages are needed',
  no_face: 'no face found in a dataset image',
  no_face_box: 'the dataset gives no face box for an image that needs one',
  no_test_split: 'no held-out test faces in the prepared shards',
  overlapping_age_groups: 'age-group labels whose ranges overlap',
  too_few_faces: 'too few faces evaluated for the statistic asked for (calibration needs 50)',

  // training and export
  not_a_run: 'not a training run folder (no config.json, log.jsonl or monitor.jsonl)',
  run_exists: 'the output folder of a new run already holds files',
  no_checkpoint: 'no complete checkpoint to resume a run from',
  no_training_data: 'the shards hold no training faces',
  export_failed: "the exported ONNX model's outputs differ from the TF.js model's",
  unsupported_layer: 'a layer the ONNX exporter cannot convert',
  unsupported_activation: 'an activation the ONNX exporter cannot convert',
  unsupported_model: 'a model graph the ONNX exporter cannot convert',

  // worker processes and the queue
  worker_failed: 'a worker thread or process died or could not be reached',
  queue_unreachable: 'the Redis server of the queue cannot be reached',
  queue_error: 'the queue failed while jobs were running',
  job_failed: 'a queue job failed after its retries (every photo of the job gets this code)',

  // the HTTP server (howold serve)
  busy: 'every worker is busy and the queue is full; try again shortly',
  timeout: 'no worker was free in time, or estimating took too long',
  internal: 'an unexpected server error',
  bad_request: 'a malformed HTTP request',
  bad_multipart: 'a multipart/form-data body that cannot be parsed',
  no_file: 'a multipart body without a file',
  too_many_parts: 'a multipart body with more parts than the one file',
  unsupported_media_type: 'a Content-Type that is not an image type or multipart/form-data',
  forbidden: 'the request is refused (HTTP 403)',
  method_not_allowed: 'the HTTP method is not allowed on this route (HTTP 405)',
  not_acceptable: 'the response cannot be given in an accepted type (HTTP 406)',
  request_timeout: 'the request was not received in time (HTTP 408)',
  length_required: 'the request needs a Content-Length (HTTP 411)',
  uri_too_long: 'the request URL is too long (HTTP 414)',
  headers_too_large: 'the request headers are larger than the server accepts (HTTP 431)',
} as const satisfies Record<string, string>;

/** Why a HowoldError was raised: one of the keys of ERROR_CODES. */
export type HowoldErrorCode = keyof typeof ERROR_CODES;

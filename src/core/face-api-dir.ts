// Where face-api.js's pretrained weights are: inside the @vladmandic/face-api npm package (an optional dependency,
// for training and the TF.js engine), read from node_modules, never from the network. No TF.js import here.
import { createRequire } from 'node:module';
import path from 'node:path';
import { HowoldError } from './errors.js';

/** The folder holding face-api's weights inside node_modules. */
export function faceApiModelDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  } catch {
    throw new HowoldError('missing_dependency', "face-api's weights need @vladmandic/face-api: npm install @vladmandic/face-api");
  }
  return path.join(path.dirname(pkg), 'model');
}

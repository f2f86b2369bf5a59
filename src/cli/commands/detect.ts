// howold detect <image...> [--json] [--out DIR]: faces, scores and eye positions; --out writes aligned crops.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { parseChoiceOption, parseIntegerOption, parseNumberOption } from '../options.js';
import { errorCode, errorMessage } from '../../index.js';
import type { DetectedFace, HowoldErrorCode, Point } from '../../index.js';
import { createFaceDetector, FACE_DETECTORS, type DetectorMode, type FaceDetectorName } from '../../index.js';
import { DEFAULT_MARGIN, alignFace } from '../../index.js';
import { decodeImage, encodeImage, toPhotoPixels } from '../../index.js';
import { printable, uniqueName, writeEngineNote, type Output } from '../output.js';
import { detectedFaceToJson } from '../../index.js';

export interface DetectFlags {
  json?: boolean;
  out?: string;
  mode?: DetectorMode;
  minScore?: number;
  faceDetector?: FaceDetectorName;
  size?: number;
  margin?: number;
}

export type { Output };

interface FileResult {
  file: string;
  width?: number;
  height?: number;
  faces?: Array<Pick<DetectedFace, 'box' | 'score'> & { landmarks: Omit<DetectedFace['landmarks'], 'points'>; crop?: string }>;
  error?: { code: HowoldErrorCode; message: string };
}

const fmt = (p: Point) => `(${p.x.toFixed(1)}, ${p.y.toFixed(1)})`;

/**
 * Detects faces in each file in turn. A file that cannot be read or decoded gets one line on `err` naming it and
 * the reason, and the run goes on. Returns the number of files that failed.
 */
export async function runDetect(files: string[], flags: DetectFlags = {}, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const detector = await createFaceDetector({
    mode: flags.mode ?? 'photo',
    ...(flags.minScore === undefined ? {} : { minScore: flags.minScore }),
    ...(flags.faceDetector === undefined ? {} : { faceDetector: flags.faceDetector }),
  });
  writeEngineNote(err, 'detect', detector);
  const size = flags.size ?? 200;
  const margin = flags.margin ?? DEFAULT_MARGIN;
  const results: FileResult[] = [];
  const usedNames = new Set<string>();
  let failed = 0;
  try {
    if (flags.out) await mkdir(flags.out, { recursive: true });
    for (const file of files) {
      const result: FileResult = { file };
      results.push(result);
      try {
        const image = await decodeImage(file);
        const faces = await detector.detect(image);
        // boxes and landmarks in the photo's own pixels, like predict (decoding may shrink a large photo)
        result.width = image.originalWidth;
        result.height = image.originalHeight;
        result.faces = [];
        for (const [i, face] of faces.entries()) {
          const entry: NonNullable<FileResult['faces']>[number] = detectedFaceToJson(toPhotoPixels(face, image));
          if (flags.out) {
            entry.crop = path.join(flags.out, uniqueName(usedNames, `${path.parse(file).name}-face${i + 1}.png`));
            await writeFile(entry.crop, await encodeImage(alignFace(image, face, { size, margin, align: 'eyes' }), 'png'));
          }
          result.faces.push(entry);
        }
        if (!flags.json) out.write(describe(result));
      } catch (e) {
        failed += 1;
        result.error = { code: errorCode(e), message: errorMessage(e) };
        // decodeImage's messages already start with the file name; other errors get it here.
        const message = errorMessage(e);
        err.write(`howold detect: ${printable(message.startsWith(file) ? message : `${file}: ${message}`)}\n`);
      }
    }
  } finally {
    await detector.dispose();
  }
  if (flags.json) out.write(`${JSON.stringify(results, null, 2)}\n`);
  return failed;
}

function describe(result: FileResult): string {
  const faces = result.faces ?? [];
  const lines = [`${printable(result.file)}: ${result.width}x${result.height}, ${faces.length} face${faces.length === 1 ? '' : 's'}`];
  for (const [i, f] of faces.entries()) {
    const b = f.box;
    lines.push(
      `  face ${i + 1}: box x=${b.x.toFixed(0)} y=${b.y.toFixed(0)} ${b.width.toFixed(0)}x${b.height.toFixed(0)}, ` +
        `score ${f.score.toFixed(2)}, eyes ${fmt(f.landmarks.leftEye)} ${fmt(f.landmarks.rightEye)}${f.crop ? `, crop ${f.crop}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}


export function register(program: Command): void {
  program
    .command('detect')
    .description('find the faces in photos: box, score and eye positions of each; --out writes aligned crops')
    .argument('<image...>', 'JPEG, PNG or WebP files')
    .option('--json', 'print one JSON array with every face and its landmarks', false)
    .option('--out <dir>', 'write each face aligned and cropped as <image>-face<N>.png into this folder')
    .addOption(new Option('--mode <mode>', "'photo': any photo; 'crop': images already are tight face crops (faster)").choices(['photo', 'crop']).default('photo'))
    .option('--min-score <x>', 'lowest detector score kept in photo mode, 0..1 (default 0.5)', (v) => parseNumberOption(v, '--min-score', 0, 1))
    .option('--face-detector <name>', "photo mode's detector: 'ssd' (default) or 'tiny' (faster, misses more)", (v) => parseChoiceOption(v, '--face-detector', FACE_DETECTORS))
    .option('--size <n>', 'side of the crops written by --out, pixels', (v) => parseIntegerOption(v, '--size', 16, 1024), 200)
    .option('--margin <x>', 'crop side as a multiple of the face scale (see image/align.ts)', (v) => parseNumberOption(v, '--margin', 0.5, 10), DEFAULT_MARGIN)
    .action(async (files: string[], flags: DetectFlags) => {
      const failed = await runDetect(files, flags);
      if (failed > 0) process.exitCode = 1;
    });
}

// SVG → PNG through sharp (librsvg; text through fontconfig, which finds DejaVu Sans from fonts-dejavu-core).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Figure } from './svg.js';

export interface WrittenImage {
  /** File name inside the report folder. */
  file: string;
  width: number;
  height: number;
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 }).png({ compressionLevel: 9, palette: true, quality: 90, effort: 7 }).toBuffer();
}

export async function writeImage(outDir: string, file: string, data: Buffer, width: number, height: number): Promise<WrittenImage> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, file), data);
  return { file, width, height };
}

/** A rendered photo or gallery as NAME.jpg or NAME.png, after its format. */
export async function writeRendered(outDir: string, name: string, image: { data: Buffer; format: 'jpeg' | 'png'; width: number; height: number }): Promise<WrittenImage> {
  return writeImage(outDir, `${name}.${image.format === 'png' ? 'png' : 'jpg'}`, image.data, image.width, image.height);
}

export async function writeFigure(outDir: string, file: string, figure: Figure): Promise<WrittenImage> {
  return writeImage(outDir, file, await svgToPng(figure.svg), figure.width, figure.height);
}

import path from 'node:path';

/** Where a command writes text (process.stdout / process.stderr, or a buffer in tests). */
export interface Output {
  write(text: string): unknown;
}

/** `file`'s name, made unique among `used` (case-insensitively, for case-insensitive file systems) by a -2, -3 ... */
export function uniqueName(used: Set<string>, file: string): string {
  const { name, ext } = path.parse(file);
  let candidate = `${name}${ext}`;
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${name}-${n}${ext}`;
  used.add(candidate.toLowerCase());
  return candidate;
}

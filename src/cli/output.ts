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

/**
 * `text` safe for a terminal line or a TSV field: control characters (newline, tab, ESC of ANSI sequences, C1)
 * and backslashes are written as escapes (`\n`, `\t`, `\x1b`, `\\`), so a hostile file name can neither break
 * a line or a column nor drive the terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** An estimator's or detector's note (a slower engine than onnxruntime-node, and what to install) as one line. */
export function writeEngineNote(err: Output, command: string, source: { readonly note?: string } | undefined): void {
  if (source?.note) err.write(`howold ${command}: ${printable(source.note)}\n`);
}

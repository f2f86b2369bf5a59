import { readFile } from 'node:fs/promises';
import { HowoldError, type HowoldErrorCode } from './errors.js';

/**
 * Reads and parses a JSON file; a missing file and bad JSON are one-line HowoldErrors naming `owner` (the folder
 * the file belongs to), with the caller's wording for the missing case.
 */
export async function readJsonFile<T>(
  file: string,
  owner: string,
  missing: { code: HowoldErrorCode; message: string },
  invalidCode: HowoldErrorCode = 'bad_json',
): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new HowoldError(missing.code, missing.message, owner);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HowoldError(invalidCode, `${file.split('/').pop()} is not valid JSON`, owner);
  }
}

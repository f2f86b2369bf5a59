import { ERROR_CODES, type HowoldErrorCode } from './error-codes.js';

export { ERROR_CODES, type HowoldErrorCode };

/**
 * Every error howold raises on purpose. `message` is one line that names the file (when there is one) and the
 * reason, so batch jobs can print it as is and count it by `code` (one of ERROR_CODES).
 */
export class HowoldError extends Error {
  readonly code: HowoldErrorCode;
  readonly file?: string;

  constructor(code: HowoldErrorCode, message: string, file?: string, options?: { cause?: unknown }) {
    super(file ? `${file}: ${message}` : message, options);
    this.name = 'HowoldError';
    this.code = code;
    this.file = file;
  }
}

/** An argument of the wrong type or out of range (see checks.ts). */
export class ArgumentError extends HowoldError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'ArgumentError';
  }
}

/** An input file that cannot be used: not an image, truncated, too large, unreadable. */
export class InputError extends HowoldError {
  constructor(code: HowoldErrorCode, message: string, file?: string, options?: { cause?: unknown }) {
    super(code, message, file, options);
    this.name = 'InputError';
  }
}

/** The one-line text of any thrown value. */
export function errorMessage(err: unknown): string {
  // ours are one line already, but the file name in them may hold a newline: keep the reason after it
  if (err instanceof HowoldError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}

/** The reason code of any thrown value, for counting rejects: 'error' for anything not a HowoldError. */
export function errorCode(err: unknown): HowoldErrorCode {
  return err instanceof HowoldError ? err.code : 'error';
}

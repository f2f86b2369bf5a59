/**
 * Every error howold raises on purpose. `message` is one line that names the file (when there is one) and the
 * reason, so batch jobs can print it as is and count it by `code`.
 */
export class HowoldError extends Error {
  readonly code: string;
  readonly file?: string;

  constructor(code: string, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
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
  constructor(code: string, message: string, file?: string) {
    super(code, message, file);
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

/** The reason code of any thrown value, for counting rejects. */
export function errorCode(err: unknown): string {
  return err instanceof HowoldError ? err.code : 'error';
}

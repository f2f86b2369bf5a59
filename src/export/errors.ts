import { HowoldError, type HowoldErrorCode } from '../core/errors.js';

/** A model that cannot be exported: codes 'unsupported_layer', 'unsupported_activation', 'unsupported_model'. */
export class ExportError extends HowoldError {
  constructor(code: Extract<HowoldErrorCode, 'unsupported_layer' | 'unsupported_activation' | 'unsupported_model'>, message: string) {
    super(code, message);
    this.name = 'ExportError';
  }
}

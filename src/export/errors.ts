import { HowoldError } from '../core/errors.js';

/** A model that cannot be exported: codes 'unsupported_layer', 'unsupported_activation', 'unsupported_model'. */
export class ExportError extends HowoldError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ExportError';
  }
}

/**
 * A patch the server cannot apply. `code` is the HTTP status kube answers:
 * 400 for a malformed patch document, 422 when a well-formed patch does not
 * apply to the object (failed `test`, missing path).
 */
export class PatchError extends Error {
  readonly code: 400 | 422;

  constructor(message: string, options: { code?: 400 | 422; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PatchError';
    this.code = options.code ?? 422;
  }
}

/** A label or field selector the server cannot parse; `selectorPredicate()` in filters.ts turns it into a 400 BadRequest. */
export class SelectorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SelectorError';
  }
}

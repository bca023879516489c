/** How a value breaks its schema, in kube's field-error terms (validate.ts and list-uniqueness.ts both report them). */

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate';

export interface FieldError {
  reason: FieldErrorReason;
  /** Dotted path with [i] for list items: `status.ports[0].name`. */
  field: string;
  /** kube's error body, e.g. `Required value`; `invalid()` in errors.ts prefixes it with `<field>: `. */
  message: string;
}

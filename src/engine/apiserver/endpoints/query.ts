import { badRequest, invalidOptions } from './errors.js';

const TRUE = ['1', 't', 'T', 'true', 'True', 'TRUE'];
const FALSE = ['0', 'f', 'F', 'false', 'False', 'FALSE'];

/** Go's strconv.ParseBool: the spellings clients send (Python sends `True`); anything else is a 400. */
export function parseBool(name: string, value: string): boolean {
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw badRequest(`${name}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}

/** A boolean query parameter; absent is false. */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === null ? false : parseBool(name, value);
}

/** A non-negative integer query parameter (limit, timeoutSeconds); absent is undefined. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw badRequest(`${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}

/**
 * A resourceVersion query parameter: undefined when absent or empty, else a
 * revision; kube answers a non-numeric one with 400.
 */
export function revisionParam(query: URLSearchParams, name = 'resourceVersion'): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const rev = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(rev)) throw badRequest(`invalid resource version ${JSON.stringify(raw)}`);
  return rev;
}

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/**
 * Whether a write is a dry run. `All` is the only directive kube knows; any
 * other is refused before anything is written, as kube validates its
 * CreateOptions/UpdateOptions/PatchOptions/DeleteOptions.
 */
export function dryRunParam(values: string[], options: OptionsKind): boolean {
  for (const value of values) {
    if (value === 'All') continue;
    throw invalidOptions(options, 'dryRun', `Unsupported value: ${JSON.stringify(value)}: supported values: "All"`, 'FieldValueNotSupported');
  }
  return values.length > 0;
}

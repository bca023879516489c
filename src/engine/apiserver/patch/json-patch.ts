/** JSON patch (RFC 6902) on top of fast-json-patch, with errors the API server can report. */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './patch-error.js';

export { PatchError };

/** fast-json-patch error names that mean the patch document itself is malformed. */
const MALFORMED = new Set([
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_OP_INVALID',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

function describe(op: unknown): string {
  if (typeof op !== 'object' || op === null) return JSON.stringify(op) ?? String(op);
  const { op: kind, path } = op as { op?: unknown; path?: unknown };
  return `${String(kind)} ${JSON.stringify(path)}`;
}

/** Applies `ops` to a copy of `target`; throws PatchError naming the failing operation. */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw new PatchError('json patch must be an array of operations', { code: 400 });
  }
  let doc = structuredClone(target);
  // One operation at a time: applyPatch reports index 0 for every validation failure.
  for (let index = 0; index < ops.length; index++) {
    try {
      doc = jsonpatch.applyOperation(doc, ops[index] as Operation, true, true, true, index).newDocument;
    } catch (err) {
      throw toPatchError(err, index, ops[index]);
    }
  }
  return doc;
}

function toPatchError(err: unknown, index: number, op: unknown): unknown {
  if (!(err instanceof jsonpatch.JsonPatchError)) return err;
  const where = `json patch operation ${index} (${describe(op)})`;
  if (err.name === 'TEST_OPERATION_FAILED') {
    return new PatchError(`${where} failed: the value does not match`, { cause: err });
  }
  if (MALFORMED.has(err.name)) {
    return new PatchError(`${where} is invalid: ${firstLine(err.message)}`, { code: 400, cause: err });
  }
  return new PatchError(`${where} does not apply: ${firstLine(err.message)}`, { cause: err });
}

/** fast-json-patch appends a dump of the operation and document after a newline. */
function firstLine(message: string): string {
  return message.split('\n')[0];
}

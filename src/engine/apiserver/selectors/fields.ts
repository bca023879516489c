/**
 * Field selectors with kube's syntax (k8s.io/apimachinery/pkg/fields/selector.go):
 * comma-separated `field=value`, `field==value`, `field!=value`; values escape
 * `\`, `,` and `=` with a backslash.
 */
import { SelectorError } from './selector-error.js';

export { SelectorError };

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Checked in this order at each position, so `a!=b` is not read as `a!` = `b`. */
const OPERATORS = ['!=', '==', '='] as const;

/** Splits on commas that are not escaped. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** As kube's splitTerm: the field name has no escapes, so the first operator splits the term. */
function splitTerm(term: string): { lhs: string; op: '=' | '!='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) {
        return { lhs: term.slice(0, i), op: op === '!=' ? '!=' : '=', rhs: term.slice(i + op.length) };
      }
    }
  }
  return undefined;
}

/**
 * Reverses kube's EscapeValue: only `\\`, `\,` and `\=` are escapes; a bare `=` is an
 * error (a bare `,` never gets here: it split the terms).
 */
function unescapeFieldValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      if (i + 1 >= s.length) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
      const n = s[++i];
      if (n !== '\\' && n !== ',' && n !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${n}`);
      out += n;
    } else if (c === '=') {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses a `fieldSelector` query value; an empty string selects everything. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(s)) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError(`invalid selector: '${s}'; can't understand '${term}'`);
    reqs.push({ field: parts.lhs, op: parts.op, value: unescapeFieldValue(parts.rhs) });
  }
  return reqs;
}

/** The string form of a scalar at a dotted path (`status.repoTag`); undefined when absent or not a scalar. */
export function fieldValue(obj: unknown, field: string): string | undefined {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return undefined;
}

/** A missing field compares as the empty string, as kube does for CRD selectable fields. */
export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => {
    const actual = fieldValue(obj, r.field) ?? '';
    return r.op === '=' ? actual === r.value : actual !== r.value;
  });
}

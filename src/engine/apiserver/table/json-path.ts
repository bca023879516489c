/**
 * The subset of kube JSONPath that printer columns use:
 * `.a.b`, `.a[0]`, `.a[-1]`, `.a[*].b`, `.a['dotted.key']`, `.a[?(@.type=="Ready")].status`,
 * optionally wrapped in `{}`.
 */
import { isObject } from '../schema/json-value.js';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: unknown };

export class JsonPathError extends Error {
  constructor(path: string, detail: string) {
    super(`invalid JSONPath ${JSON.stringify(path)}: ${detail}`);
    this.name = 'JsonPathError';
  }
}

const FILTER_RE = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)\)$/;

function parseLiteral(path: string, text: string): unknown {
  const t = text.trim();
  if (/^'.*'$/.test(t)) return t.slice(1, -1);
  try {
    return JSON.parse(t);
  } catch (cause) {
    throw new JsonPathError(path, `bad filter value ${t}: ${(cause as Error).message}`);
  }
}

function parseBracket(path: string, inner: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(inner);
  if (quoted) return { kind: 'field', name: quoted[1] ?? quoted[2] };
  const filter = FILTER_RE.exec(inner);
  if (filter) {
    return { kind: 'filter', path: filter[1].slice(1).split('.'), op: filter[2] as '==' | '!=', value: parseLiteral(path, filter[3]) };
  }
  throw new JsonPathError(path, `unsupported expression [${inner}]`);
}

const cache = new Map<string, Step[]>();

export function parseJsonPath(path: string): Step[] {
  const cached = cache.get(path);
  if (cached) return cached;
  let s = path.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '.') {
      let j = i + 1;
      let name = '';
      // `\.` keeps a dot inside a key, as in `.metadata.labels.app\.kubernetes\.io/name`.
      while (j < s.length && s[j] !== '.' && s[j] !== '[') {
        if (s[j] === '\\' && j + 1 < s.length) j++;
        name += s[j++];
      }
      if (name === '*') steps.push({ kind: 'wildcard' });
      else if (name) steps.push({ kind: 'field', name });
      else throw new JsonPathError(path, `empty field name at offset ${i}`);
      i = j;
    } else if (s[i] === '[') {
      const end = s.indexOf(']', s[i + 1] === '?' ? s.indexOf(')', i) : i);
      if (end < 0) throw new JsonPathError(path, 'unterminated [');
      steps.push(parseBracket(path, s.slice(i + 1, end).trim()));
      i = end + 1;
    } else {
      throw new JsonPathError(path, `unexpected ${JSON.stringify(s[i])} at offset ${i}`);
    }
  }
  cache.set(path, steps);
  return steps;
}

function fieldAt(v: unknown, names: string[]): unknown {
  let cur = v;
  for (const n of names) cur = isObject(cur) ? cur[n] : undefined;
  return cur;
}

function step(values: unknown[], st: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (st.kind === 'field') {
      if (isObject(v) && v[st.name] !== undefined) out.push(v[st.name]);
    } else if (st.kind === 'index') {
      if (Array.isArray(v)) {
        const item = v[st.index < 0 ? v.length + st.index : st.index];
        if (item !== undefined) out.push(item);
      }
    } else if (st.kind === 'wildcard') {
      if (Array.isArray(v)) out.push(...v);
      else if (isObject(v)) out.push(...Object.values(v));
    } else if (Array.isArray(v)) {
      for (const item of v) {
        const equal = fieldAt(item, st.path) === st.value;
        if (equal === (st.op === '==')) out.push(item);
      }
    }
  }
  return out;
}

/** Every value the path selects in `obj`, in document order; empty when nothing matches. */
export function evaluateJsonPath(obj: unknown, path: string): unknown[] {
  return parseJsonPath(path).reduce<unknown[]>(step, [obj]);
}

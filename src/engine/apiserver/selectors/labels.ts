/**
 * Label selectors with kube's string syntax and messages
 * (k8s.io/apimachinery/pkg/labels/selector.go): `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a`, `!a`, and the node-selector `a>1`, `a<1`.
 */
import { SelectorError } from './selector-error.js';
import { labelValueErrors, qualifiedNameErrors } from './label-syntax.js';

export { SelectorError };

export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** Requirements are ANDed; an empty selector matches everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

type Token = 'id' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | 'eos';
interface Item {
  tok: Token;
  lit: string;
}

const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);
const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // The longest symbol: every special character is one on its own, and "==" and "!=" are the only longer ones.
      const two = s.slice(pos, pos + 2);
      const lit = two === '==' || two === '!=' ? two : s[pos];
      pos += lit.length;
      items.push({ tok: lit as Token, lit });
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecial(s[pos]) && !isSpace(s[pos])) pos++;
    const lit = s.slice(start, pos);
    items.push({ tok: lit === 'in' || lit === 'notin' ? lit : 'id', lit });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value position the keywords `in`/`notin` are ordinary identifiers. */
  private peek(values = true): Item {
    const it = this.items[this.pos];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  private next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (err) {
        throw new SelectorError(`unable to parse requirement: ${(err as Error).message}`, { cause: err });
      }
      const after = this.next();
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== 'id' && following.tok !== '!') {
        throw new SelectorError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let key = this.next();
    if (key.tok === '!') {
      negated = true;
      key = this.next();
    }
    if (key.tok !== 'id') throw new Error(`found '${key.lit}', expected: identifier`);
    const keyErrs = qualifiedNameErrors(key.lit);
    if (keyErrs.length) throw new Error(`key: Invalid value: "${key.lit}": ${keyErrs.join('; ')}`);
    const ahead = this.peek().tok;
    if (negated || ahead === 'eos' || ahead === ',') {
      return newRequirement(key.lit, negated ? '!' : 'exists', []);
    }
    const op = this.next(false);
    switch (op.tok) {
      case 'in':
      case 'notin':
        return newRequirement(key.lit, op.tok, this.valueSet());
      case '=':
      case '==':
      case '!=':
        return newRequirement(key.lit, op.tok, [this.exactValue()]);
      case '>':
        return newRequirement(key.lit, 'gt', [this.exactValue()]);
      case '<':
        return newRequirement(key.lit, 'lt', [this.exactValue()]);
      default:
        throw new Error(`found '${op.lit}', expected: '=', '!=', '==', 'in', notin'`);
    }
  }

  private exactValue(): string {
    const ahead = this.peek();
    if (ahead.tok === 'eos' || ahead.tok === ',') return '';
    const v = this.next();
    if (v.tok !== 'id') throw new Error(`found '${v.lit}', expected: identifier`);
    return v.lit;
  }

  /** `(a,b,,c)`; empty members are the empty string, as in kube. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const values = new Set<string>();
    let expectValue = true;
    for (;;) {
      const it = this.next();
      if (it.tok === ')') {
        if (expectValue) values.add('');
        return [...values].sort();
      }
      if (it.tok === ',') {
        if (expectValue) values.add('');
        expectValue = true;
      } else if (it.tok === 'id' && expectValue) {
        values.add(it.lit);
        expectValue = false;
      } else if (!expectValue) {
        throw new Error(`found '${it.lit}', expected: ',' or ')'`);
      } else {
        throw new Error(`found '${it.lit}', expected: ',', ')' or identifier`);
      }
    }
  }
}

function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  if ((operator === 'gt' || operator === 'lt') && !/^[+-]?\d+$/.test(values[0])) {
    errs.push(`values[0]: Invalid value: "${values[0]}": for 'Gt', 'Lt' operators, the value must be an integer`);
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(`values[${i}][${key}]: Invalid value: "${v}": ${valueErrs.join('; ')}`);
  });
  if (errs.length === 1) throw new Error(errs[0]);
  if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  return { key, operator, values };
}

/** Parses a `labelSelector` query value; throws SelectorError with kube's wording. */
export function parseLabelSelector(s: string): LabelSelector {
  const requirements = new Parser(lex(s)).parse();
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements };
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value);
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(value)) return false;
      const actual = BigInt(value);
      const bound = BigInt(r.values[0]);
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

export function matchesLabels(sel: LabelSelector, labels?: Record<string, string>): boolean {
  return sel.requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector, SelectorError } from '../../../../../src/engine/apiserver/selectors/labels.js';
import { labelValueErrors, qualifiedNameErrors } from '../../../../../src/engine/apiserver/selectors/label-syntax.js';

const labels = { app: 'web', tier: 'frontend', env: 'prod', replicas: '3', empty: '' };

describe('parseLabelSelector + matchesLabels', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['missing in (db)', false],
    ['app notin (db,cache)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['  app = web ,  env in ( prod , dev )  ', true],
    ['empty=', true],
    ['empty in ()', true],
    ['app in (,web)', true],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['app>1', false],
    ['x in (in, notin)', false],
    ['app notin (in)', true],
  ])('%j → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('treats missing labels as an empty set', () => {
    expect(matchesLabels(parseLabelSelector('a!=b'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('a'), undefined)).toBe(false);
  });

  it('accepts keyword-named values and prefixed keys', () => {
    const sel = parseLabelSelector('example.com/role in (in,notin),!app.kubernetes.io/name');
    expect(sel.requirements).toEqual([
      { key: 'app.kubernetes.io/name', operator: '!', values: [] },
      { key: 'example.com/role', operator: 'in', values: ['in', 'notin'] },
    ]);
  });

  it.each([
    ['app=web,', "found '', expected: identifier after ','"],
    ['app=web x', "found 'x', expected: ',' or 'end of string'"],
    ['=web', "found '=', expected: !, identifier, or 'end of string'"],
    ['app in web', "unable to parse requirement: found 'web' expected: '('"],
    ['app in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['app in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['app in (a,', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['app (a)', "unable to parse requirement: found '(', expected: '=', '!=', '==', 'in', notin'"],
    ['!app=x', "found '=', expected: ',' or 'end of string'"],
    ['app=(', "unable to parse requirement: found '(', expected: identifier"],
    ['replicas>x', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['-bad=x', 'unable to parse requirement: key: Invalid value: "-bad": name part must consist of alphanumeric'],
    ['Bad_Prefix/x=y', 'prefix part a lowercase RFC 1123 subdomain'],
    ['app=-x', 'unable to parse requirement: values[0][app]: Invalid value: "-x": a valid label must be an empty string'],
    [`app=${'a'.repeat(64)}`, 'must be no more than 63 characters'],
  ])('rejects %j', (selector, message) => {
    const attempt = (): unknown => parseLabelSelector(selector);
    expect(attempt).toThrow(SelectorError);
    expect(attempt).toThrow(message);
  });
});

describe('parseLabelSelector: the parsed requirements', () => {
  const parsed = (selector: string) => parseLabelSelector(selector).requirements;

  it('separates on tabs, carriage returns and newlines as on spaces', () => {
    expect(parsed('app=web,\tenv\nin (prod,\r dev)')).toEqual([
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'env', operator: 'in', values: ['dev', 'prod'] },
    ]);
  });

  it('sorts requirements by key and set values, as kube prints them', () => {
    expect(parsed('zone,b in (y,x,z),a!=1,!m').map((r) => [r.key, r.values])).toEqual([
      ['a', ['1']],
      ['b', ['x', 'y', 'z']],
      ['m', []],
      ['zone', []],
    ]);
  });

  it('reads an existence test and an empty value that a comma ends', () => {
    expect(parsed('app,tier=,env=prod')).toEqual([
      { key: 'app', operator: 'exists', values: [] },
      { key: 'env', operator: '=', values: ['prod'] },
      { key: 'tier', operator: '=', values: [''] },
    ]);
    expect(matchesLabels(parseLabelSelector('app,empty=,env=prod'), labels)).toBe(true);
  });

  it('counts an empty member before a comma as the empty string', () => {
    expect(parsed('app in (,web)')[0].values).toEqual(['', 'web']);
    expect(matchesLabels(parseLabelSelector('empty in (,x)'), labels)).toBe(true);
  });

  it('takes the keywords in and notin as keys too', () => {
    expect(parsed('in=x,notin')).toEqual([
      { key: 'in', operator: '=', values: ['x'] },
      { key: 'notin', operator: 'exists', values: [] },
    ]);
  });

  // A signed bound is an integer but, as in kube, not a valid label value: one error, not two.
  const SIGNED = (v: string): string => `unable to parse requirement: values[0][replicas]: Invalid value: "${v}": ${labelValueErrors(v)[0]}`;

  it.each([
    ['replicas>2', true],
    ['replicas<1', false],
    ['replicas>+2', SIGNED('+2')],
    ['replicas<-1', SIGNED('-1')],
    ['replicas<x1', 'unable to parse requirement: values[0]: Invalid value: "x1": for \'Gt\', \'Lt\' operators, the value must be an integer'],
    ['replicas>1x', 'unable to parse requirement: values[0]: Invalid value: "1x": for \'Gt\', \'Lt\' operators, the value must be an integer'],
  ])('Gt and Lt take a signed integer: %j', (selector, outcome) => {
    if (typeof outcome === 'boolean') expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(outcome);
    else expect(() => parseLabelSelector(selector)).toThrow(new SelectorError(outcome));
  });

  it.each([
    ['+5', true],
    ['x5', false],
    ['5x', false],
  ])('Gt compares only a label that is an integer: replicas=%s', (replicas, expected) => {
    expect(matchesLabels(parseLabelSelector('replicas>4'), { replicas })).toBe(expected);
  });
});

describe('parseLabelSelector: kube\'s whole messages', () => {
  // The words of the key and value checks are pinned by label-syntax.test.ts; here, how a selector's error carries them.
  const [PREFIX_MSG, NAME_MSG] = qualifiedNameErrors('Bad_Prefix/-x');
  const [VALUE_MSG] = labelValueErrors('-x');
  const INTEGER = "for 'Gt', 'Lt' operators, the value must be an integer";

  it.each([
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['Bad_Prefix/-x', `unable to parse requirement: key: Invalid value: "Bad_Prefix/-x": ${PREFIX_MSG}; ${NAME_MSG}`],
    [`app=-${'a'.repeat(63)}`, `unable to parse requirement: values[0][app]: Invalid value: "-${'a'.repeat(63)}": must be no more than 63 characters; ${VALUE_MSG}`],
    ['replicas>-x', `unable to parse requirement: [values[0]: Invalid value: "-x": ${INTEGER}, values[0][replicas]: Invalid value: "-x": ${VALUE_MSG}]`],
  ])('rejects %j', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(new SelectorError(message));
  });

  it('names itself and keeps the parser\'s error as the cause', () => {
    const err = (() => {
      try {
        parseLabelSelector('app in web');
      } catch (e) {
        return e as SelectorError;
      }
      throw new Error('parsed');
    })();
    expect(err.name).toBe('SelectorError');
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as Error).message).toBe("found 'web' expected: '('");
  });
});

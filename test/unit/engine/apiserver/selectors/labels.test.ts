import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector, SelectorError } from '../../../../../src/engine/apiserver/selectors/labels.js';

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

import { table } from '../output/table.js';
import { acceptedValues, type AppProperty } from './properties.js';

function bounds(p: AppProperty): string {
  const s = p.schema;
  const rules = [
    s.minimum !== undefined && `>= ${s.minimum}`,
    s.maximum !== undefined && `<= ${s.maximum}`,
    s.maxLength !== undefined && `at most ${s.maxLength} chars`,
  ].filter(Boolean);
  return rules.length ? ` (${rules.join(', ')})` : '';
}

/** The settable properties for `rdd set --help`: dot path, accepted values, default. */
export function propertyHelp(props: readonly AppProperty[]): string {
  const rows = props.map((p) => [p.path, acceptedValues(p.schema) + bounds(p), p.schema.default === undefined ? '-' : String(p.schema.default)]);
  const body = table([['PROPERTY', 'VALUES', 'DEFAULT'], ...rows]);
  return `\nProperties (from the App CRD schema):\n${body.replace(/^/gm, '  ')}\n`;
}

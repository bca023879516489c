import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

function walk(node: unknown, path: string, out: string[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = path ? `${path}.${key}` : key;
      if (seen.has(key)) out.push(at);
      seen.add(key);
      walk(pair.value, at, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item, `${path}[${i}]`, out));
  }
}

/**
 * The paths of keys that appear twice in one object of a JSON or YAML body
 * (`spec.color`). JSON.parse silently keeps the last; kube's strict decoder
 * reports them.
 */
export function duplicateFields(text: string): string[] {
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: uniqueKeys: false only spares the parser an error per duplicate; the tree keeps both pairs either way.
  const doc = parseDocument(text, { uniqueKeys: false });
  const out: string[] = [];
  walk(doc.contents as Node | null, '', out);
  return out;
}

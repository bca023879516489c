/**
 * A set of field paths in structured-merge-diff's FieldsV1 shape: a tree whose
 * edges are path elements (`f:name`, `k:{"type":"Ready"}`, `v:"a"`, `i:0`) and
 * whose nodes may themselves be members (`.` in FieldsV1).
 */

export type PathElement = string;
export type FieldPath = PathElement[];

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    if (typeof json !== 'object' || json === null) return set;
    for (const [key, value] of Object.entries(json)) {
      if (key === '.') set.member = true;
      else set.children.set(key, childFromJson(value));
    }
    return set;
  }

  static of(paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const key of [...this.children.keys()].sort()) {
      const child = this.children.get(key) as FieldSet;
      if (!child.isEmpty()) out[key] = child.toFieldsV1();
    }
    return out;
  }

  insert(path: FieldPath): void {
    path.reduce<FieldSet>((node, pe) => {
      let next = node.children.get(pe);
      if (!next) {
        next = new FieldSet();
        node.children.set(pe, next);
      }
      return next;
    }, this).member = true;
  }

  node(path: FieldPath): FieldSet | undefined {
    return path.reduce<FieldSet | undefined>((node, pe) => node?.children.get(pe), this);
  }

  has(path: FieldPath): boolean {
    return this.node(path)?.member ?? false;
  }

  /** True when the path or anything below it is a member. */
  touches(path: FieldPath): boolean {
    const node = this.node(path);
    return node !== undefined && !node.isEmpty();
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  /** Member paths in sorted order. */
  members(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = this.member ? [prefix] : [];
    for (const key of [...this.children.keys()].sort()) {
      out.push(...(this.children.get(key) as FieldSet).members([...prefix, key]));
    }
    return out;
  }

  union(other: FieldSet): FieldSet {
    return combine(this, other, either) ?? new FieldSet();
  }

  difference(other: FieldSet): FieldSet {
    return combine(this, other, onlyFirst) ?? new FieldSet();
  }

  intersection(other: FieldSet): FieldSet {
    return combine(this, other, both) ?? new FieldSet();
  }

  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(other.toFieldsV1());
  }
}

const either = (a: boolean, b: boolean): boolean => a || b;
const onlyFirst = (a: boolean, b: boolean): boolean => a && !b;
const both = (a: boolean, b: boolean): boolean => a && b;

function childFromJson(value: unknown): FieldSet {
  const child = FieldSet.fromFieldsV1(value);
  // `{}` is a leaf member; `{"f:x": {}}` only names members below it.
  if (child.children.size === 0) child.member = true;
  return child;
}

/**
 * The members of a and b that `keep` selects, or undefined when that is
 * nothing. A subtree on one side only is copied whole or skipped whole,
 * depending on what `keep` says of members on that side alone.
 */
function combine(a: FieldSet | undefined, b: FieldSet | undefined, keep: (inA: boolean, inB: boolean) => boolean): FieldSet | undefined {
  if (!a || !b) {
    const only = a ?? b;
    return only && keep(a !== undefined, b !== undefined) ? copyOf(only) : undefined;
  }
  let out: FieldSet | undefined;
  for (const [key, child] of a.children) {
    const kept = combine(child, b.children.get(key), keep);
    if (kept) (out ??= new FieldSet()).children.set(key, kept);
  }
  for (const [key, child] of b.children) {
    if (a.children.has(key)) continue;
    const kept = combine(undefined, child, keep);
    if (kept) (out ??= new FieldSet()).children.set(key, kept);
  }
  if (keep(a.member, b.member)) (out ??= new FieldSet()).member = true;
  return out;
}

/** A copy of the set without its empty branches; undefined when it has no members. */
function copyOf(set: FieldSet): FieldSet | undefined {
  let out: FieldSet | undefined;
  for (const [key, child] of set.children) {
    const copy = copyOf(child);
    if (copy) (out ??= new FieldSet()).children.set(key, copy);
  }
  if (set.member) (out ??= new FieldSet()).member = true;
  return out;
}

/** A path as kube prints it in conflicts: `.status.conditions[type="Ready"].status`. */
export function formatPath(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe.slice(0, 2)) {
        case 'f:':
          return `.${body}`;
        case 'k:':
          return `[${Object.entries(JSON.parse(body) as Record<string, unknown>)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        case 'v:':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

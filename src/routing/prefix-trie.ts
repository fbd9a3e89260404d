/**
 * A digit trie: values stored under digit-string prefixes, looked up by walking a number's
 * digits once. Longest-prefix match is the deepest node on the path that holds values (the way
 * Kamailio's drouting and FreeSWITCH's mod_lcr match), at a cost of one step per digit whatever
 * the number of prefixes.
 */
export class PrefixTrie<T> {
  private readonly root: TrieNode<T> = new TrieNode();
  private count = 0;
  /** Scratch path of one walk (a decision is synchronous: one walk at a time). */
  private readonly path: Array<TrieNode<T> | undefined> = new Array<TrieNode<T> | undefined>(24);

  /** Number of prefixes stored. */
  get size(): number {
    return this.count;
  }

  /** Adds `value` under `prefix` (digits only; '' is the root, matched by every number). */
  add(prefix: string, value: T): void {
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const d = prefix.charCodeAt(i) - 48;
      if (d < 0 || d > 9) throw new RangeError('prefix trie: digits only');
      node = node.children[d] ??= new TrieNode();
    }
    if (node.values.length === 0) this.count++;
    node.values.push(value);
  }

  /**
   * The value lists along `digits`' path, deepest first (root last). Digits are read from
   * `start` (1 skips E.164's `+`). Stops early when `visit` returns something other than
   * undefined, and returns that.
   */
  deepestFirst<R>(digits: string, start: number, visit: (values: readonly T[], depth: number) => R | undefined): R | undefined {
    const path = this.path;
    let n = 0;
    let node: TrieNode<T> | undefined = this.root;
    path[n++] = node;
    for (let i = start; i < digits.length; i++) {
      node = node.children[digits.charCodeAt(i) - 48];
      if (!node) break;
      path[n++] = node;
    }
    for (let k = n - 1; k >= 0; k--) {
      const values = (path[k] as TrieNode<T>).values;
      if (values.length === 0) continue;
      const found = visit(values, k);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The values of the deepest prefix of `digits` that has any, or undefined. */
  longest(digits: string, start = 0): { depth: number; values: readonly T[] } | undefined {
    let best: TrieNode<T> | undefined = this.root.values.length ? this.root : undefined;
    let depth = 0;
    let node: TrieNode<T> | undefined = this.root;
    for (let i = start; i < digits.length; i++) {
      node = node.children[digits.charCodeAt(i) - 48];
      if (!node) break;
      if (node.values.length) {
        best = node;
        depth = i - start + 1;
      }
    }
    return best ? { depth, values: best.values } : undefined;
  }
}

class TrieNode<T> {
  readonly children: Array<TrieNode<T> | undefined> = new Array<TrieNode<T> | undefined>(10);
  readonly values: T[] = [];
}

/**
 * Edit distance with adjacent transpositions (Damerau–Levenshtein, optimal string alignment):
 * the number of single-character insertions, deletions, substitutions and swaps of two
 * neighbours that turn `a` into `b`. `ringTimeoutSecond` → `ringTimeoutSeconds` is 1,
 * `prot` → `port` is 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to be what was
 * meant: at most a third of the word's length in edits (at least 1, at most 3), or else the
 * only candidate that begins with the word. Ties go to the first candidate.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  // a word cut short (`validity` for `validitySeconds`): the one candidate it begins
  if (lower.length < 4) return undefined;
  const extending = [...candidates].filter((c) => c.toLowerCase().startsWith(lower));
  return extending.length === 1 ? extending[0] : undefined;
}

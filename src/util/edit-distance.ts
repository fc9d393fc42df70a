/** Levenshtein distance; strings longer than `max` count as infinitely far (bounded work). */
export function editDistance(a: string, b: string, max = 256): number {
  if (a === b) return 0;
  if (a.length > max || b.length > max) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? Infinity;
}

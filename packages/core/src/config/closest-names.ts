/**
 * Edit distance with adjacent transpositions (optimal string alignment), so `feilds` is one edit from
 * `fields`. Case is ignored: `Fields` and `fields` are zero edits apart.
 */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= t.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[s.length][t.length];
}

/**
 * The candidates closest to `name` (best first), among those close enough to be a plausible typo: at most
 * a third of the longer name's length in edits (and at least 1 edit allowed), or sharing a prefix.
 */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const scored: Array<{ candidate: string; distance: number }> = [];
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = editDistance(name, candidate);
    const allowed = Math.max(1, Math.floor(Math.max(name.length, candidate.length) / 3));
    const lower = name.toLowerCase();
    const prefix = lower.length >= 3 && candidate.toLowerCase().startsWith(lower);
    if (distance <= allowed || prefix) scored.push({ candidate, distance });
  }
  scored.sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** `; did you mean "x"?` (or `"x" or "y"`) when a close name exists, else an empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closestNames(name, candidates, 2);
  if (close.length === 0) return "";
  return `; did you mean ${close.map((c) => JSON.stringify(c)).join(" or ")}?`;
}

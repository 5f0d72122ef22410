// The Mann-Whitney U test, two-sided, computed as SciPy's mannwhitneyu does with its defaults
// (use_continuity=True, method="auto"): the exact null distribution when one sample has at most 8
// values and there are no ties, the normal approximation with tie and continuity corrections otherwise.
// mann-whitney.test.ts checks it against values SciPy computed (mann-whitney.reference.py).

export interface UTest {
  /** U of the first sample: how many (first, second) pairs the first wins, ties counting a half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: "exact" | "asymptotic";
}

/** Average ranks (1-based) of all values, and the sizes of the groups of tied values. */
function rank(values: number[]): { ranks: number[]; ties: number[] } {
  const order = values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0])
      end++;
    const average = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]![1]] = average;
    ties.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, ties };
}

/**
 * P(U >= u) under the null hypothesis, for sample sizes m and n: the number of arrangements with each U
 * is a coefficient of the Gaussian binomial [m+n choose m] in q, built factor by factor.
 */
function exactSurvival(u: number, m: number, n: number): number {
  const max = m * n;
  let counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let i = 1; i <= m; i++) {
    // Multiply by (1 - q^(n+i)), then divide by (1 - q^i).
    const next = counts.slice();
    for (let k = max; k >= n + i; k--) next[k]! -= counts[k - n - i]!;
    for (let k = i; k <= max; k++) next[k]! += next[k - i]!;
    counts = next;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  let above = 0;
  for (let k = Math.ceil(u); k <= max; k++) above += counts[k]!;
  return above / total;
}

/** erfc(x) for x >= 0: its Taylor series near 0, a continued fraction (Lentz's method) further out. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** P(Z > z) for a standard normal Z. */
export function normalSurvival(z: number): number {
  return erfc(z / Math.SQRT2) / 2;
}

/** The two-sided Mann-Whitney U test of samples a and b (each at least one value). */
export function mannWhitneyU(a: number[], b: number[]): UTest {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) throw new Error("both samples need values");
  const { ranks, ties } = rank([...a, ...b]);
  const r1 = ranks.slice(0, m).reduce((s, r) => s + r, 0);
  const u = r1 - (m * (m + 1)) / 2;
  const larger = Math.max(u, m * n - u);
  const tied = ties.some((t) => t > 1);
  if ((m <= 8 || n <= 8) && !tied) {
    const p = Math.min(1, 2 * exactSurvival(larger, m, n));
    return { u, p, method: "exact" };
  }
  const total = m + n;
  const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0);
  const sd = Math.sqrt(
    ((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1))),
  );
  // All values equal: no evidence of any difference.
  if (sd === 0) return { u, p: 1, method: "asymptotic" };
  const z = (larger - (m * n) / 2 - 0.5) / sd;
  return { u, p: Math.min(1, 2 * normalSurvival(z)), method: "asymptotic" };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The Hodges-Lehmann estimate of how far a lies from b: the median of all pairwise differences
 * (a_i - b_j), or with "ratio" of all pairwise ratios (a_i / b_j, pairs with b_j = 0 left out).
 */
export function hodgesLehmann(
  a: number[],
  b: number[],
  as: "difference" | "ratio",
): number {
  const pairs: number[] = [];
  for (const x of a)
    for (const y of b) {
      if (as === "difference") pairs.push(x - y);
      else if (y !== 0) pairs.push(x / y);
    }
  return pairs.length > 0 ? median(pairs) : NaN;
}

// The U test and the Hodges-Lehmann estimates against SciPy and NumPy: the literals below are the
// output of mann-whitney.reference.py (scipy 1.17.1, numpy 2.4.6), computed independently of this code.
import { describe, expect, it } from "vitest";
import { hodgesLehmann, mannWhitneyU, normalSurvival } from "./mann-whitney.ts";

const reference = [
  {
    name: "exact 5 vs 5, canary slower",
    a: [210, 250, 198, 305, 240],
    b: [101, 99, 120, 97, 110],
    u: 25.0,
    p: 0.007936507936507936,
    hlDifference: 130.0,
    hlRatio: 2.1818181818181817,
  },
  {
    name: "exact 3 vs 8, overlapping",
    a: [7.5, 8.1, 6.9],
    b: [4.0, 6.3, 2.2, 8.8, 5.1, 7.7, 1.9, 6.0],
    u: 19.0,
    p: 0.19393939393939394,
    hlDifference: 1.9500000000000002,
    hlRatio: 1.3514705882352942,
  },
  {
    name: "exact 6 vs 6, same distribution",
    a: [1, 4, 5, 8, 9, 12],
    b: [2, 3, 6, 7, 10, 11],
    u: 18.0,
    p: 1.0,
    hlDifference: 0.0,
    hlRatio: 0.9954545454545454,
  },
  {
    name: "ties 7 vs 7, success rates",
    a: [99.5, 99.5, 98, 97.5, 99, 96, 98],
    b: [100, 100, 99.5, 100, 99.5, 100, 99],
    u: 4.5,
    p: 0.010645293313377298,
    hlDifference: -1.5,
    hlRatio: 0.9849246231155779,
  },
  {
    name: "asymptotic 12 vs 15",
    a: [0.31, 0.45, 0.29, 0.52, 0.47, 0.38, 0.41, 0.36, 0.49, 0.33, 0.44, 0.4],
    b: [
      0.3, 0.28, 0.35, 0.27, 0.33, 0.31, 0.26, 0.29, 0.34, 0.32, 0.25, 0.37,
      0.3, 0.28, 0.36,
    ],
    u: 158.0,
    p: 0.000978338313325256,
    hlDifference: 0.09999999999999998,
    hlRatio: 1.323055028462998,
  },
  {
    name: "asymptotic 30 vs 30, fully separated",
    a: [
      200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214,
      215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229,
    ],
    b: [
      100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114,
      115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129,
    ],
    u: 900.0,
    p: 3.019859359162157e-11,
    hlDifference: 100.0,
    hlRatio: 1.8733776149030386,
  },
  {
    name: "all equal",
    a: [100, 100, 100, 100, 100],
    b: [100, 100, 100, 100, 100],
    u: 12.5,
    p: 1.0,
    hlDifference: 0.0,
    hlRatio: 1.0,
  },
  {
    name: "exact 1 vs 9",
    a: [95],
    b: [10, 20, 30, 40, 60, 70, 80, 90, 99],
    u: 8.0,
    p: 0.4,
    hlDifference: 35.0,
    hlRatio: 1.5833333333333333,
  },
];

describe("mannWhitneyU", () => {
  it.each(reference)("$name: U and p as SciPy computes them", (c) => {
    const result = mannWhitneyU(c.a, c.b);
    expect(result.u).toBe(c.u);
    // 1e-9 relative: the p-values span 3e-11 to 1.
    expect(Math.abs(result.p - c.p)).toBeLessThanOrEqual(1e-9 * c.p + 1e-15);
  });

  it.each(reference)(
    "$name: Hodges-Lehmann estimates as NumPy computes them",
    (c) => {
      expect(hodgesLehmann(c.a, c.b, "difference")).toBeCloseTo(
        c.hlDifference,
        9,
      );
      expect(hodgesLehmann(c.a, c.b, "ratio")).toBeCloseTo(c.hlRatio, 9);
    },
  );

  it("uses the exact distribution only for a small sample without ties", () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6, 7]).method).toBe("exact");
    expect(mannWhitneyU([1, 2, 2], [4, 5, 6, 7]).method).toBe("asymptotic");
    expect(
      mannWhitneyU(
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        [11, 12, 13, 14, 15, 16, 17, 18, 19],
      ).method,
    ).toBe("asymptotic");
  });

  it("refuses an empty sample", () => {
    expect(() => mannWhitneyU([], [1])).toThrow(/both samples/);
  });
});

describe("normalSurvival", () => {
  // scipy.stats.norm.sf at 0, 1.96, 3, 8 and -1 (printed last by the reference script).
  it.each([
    [0, 0.5],
    [1.96, 0.024997895148220435],
    [3, 0.0013498980316300933],
    [8, 6.22096057427174e-16],
    [-1, 0.8413447460685429],
  ])("P(Z > %s) = %s", (z, expected) => {
    expect(Math.abs(normalSurvival(z) - expected)).toBeLessThanOrEqual(
      1e-12 * expected,
    );
  });
});

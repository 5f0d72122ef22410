# Reference values for mann-whitney.test.ts, computed independently with SciPy and NumPy.
# Run once (pip install scipy) and paste the printed cases into the test; CI does not run this.
#   python3 src/analysis/mann-whitney.reference.py
import json

import numpy as np
import scipy
from scipy.stats import mannwhitneyu

CASES = {
    # canary latencies against the primary's, ms: small samples, no ties (exact distribution)
    "exact 5 vs 5, canary slower": ([210, 250, 198, 305, 240], [101, 99, 120, 97, 110]),
    "exact 3 vs 8, overlapping": ([7.5, 8.1, 6.9], [4.0, 6.3, 2.2, 8.8, 5.1, 7.7, 1.9, 6.0]),
    "exact 6 vs 6, same distribution": ([1, 4, 5, 8, 9, 12], [2, 3, 6, 7, 10, 11]),
    # ties force the normal approximation with tie correction
    "ties 7 vs 7, success rates": ([99.5, 99.5, 98, 97.5, 99, 96, 98], [100, 100, 99.5, 100, 99.5, 100, 99]),
    "asymptotic 12 vs 15": (
        [0.31, 0.45, 0.29, 0.52, 0.47, 0.38, 0.41, 0.36, 0.49, 0.33, 0.44, 0.40],
        [0.30, 0.28, 0.35, 0.27, 0.33, 0.31, 0.26, 0.29, 0.34, 0.32, 0.25, 0.37, 0.30, 0.28, 0.36],
    ),
    "asymptotic 30 vs 30, fully separated": (
        [200 + i for i in range(30)],
        [100 + i for i in range(30)],
    ),
    "all equal": ([100, 100, 100, 100, 100], [100, 100, 100, 100, 100]),
    "exact 1 vs 9": ([95], [10, 20, 30, 40, 60, 70, 80, 90, 99]),
}


def hodges_lehmann(a, b, ratio):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    pairs = (a[:, None] / b[None, :]) if ratio else (a[:, None] - b[None, :])
    return float(np.median(pairs))


out = []
for name, (a, b) in CASES.items():
    res = mannwhitneyu(a, b, alternative="two-sided")
    out.append({
        "name": name,
        "a": a,
        "b": b,
        "u": float(res.statistic),
        "p": float(res.pvalue),
        "hlDifference": hodges_lehmann(a, b, False),
        "hlRatio": hodges_lehmann(a, b, True),
    })
print(f"// scipy {scipy.__version__}, numpy {np.__version__}")
print(json.dumps(out, indent=2))

from scipy.stats import norm

print("// norm.sf:", [(z, float(norm.sf(z))) for z in (0, 1.96, 3, 8, -1)])

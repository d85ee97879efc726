"""Claim: the verdict of `compare` is calibrated under the null; what its mean CIs cover (issue 12).

Two identical arms are drawn again and again (normal, lognormal and bimodal data; n = 3, 5, 10,
20, 50 seeds per arm) and the rule ``seedlock compare`` applies is run on each: "better" when the
permutation test can reach alpha and gives p < alpha, for independent arms and for paired arms
(the same seeds). Its rate of "better" verdicts must stay at or below 5% plus Monte-Carlo error.
The same draws give the coverage of the 95% bootstrap CI of the mean (``summarize``; BCa with the
percentile fallback), against the distribution's true mean; the issue measured 70.7% / 84.0% /
90.2% / 92.7% at n = 3 / 5 / 10 / 20 for the CIs that used to decide. The suite's
``tests/test_stats_verdict.py`` runs a 150-repetition version; this one runs more.

    python benchmarks/calibration.py [--reps 2000] [--ci-reps 500] [--resamples 2000]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

SIZES = (3, 5, 10, 20, 50)
KINDS = {
    "normal": 0.8,
    "lognormal": math.exp(0.5),
    "bimodal": 0.3 * 0.2 + 0.7 * 0.9,
}


def draw(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    """n values of ``kind`` (true means in ``KINDS``)."""
    if kind == "normal":
        return rng.normal(0.8, 0.02, n)
    if kind == "lognormal":
        return rng.lognormal(0.0, 1.0, n)
    return np.where(rng.random(n) < 0.3, rng.normal(0.2, 0.01, n), rng.normal(0.9, 0.01, n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=2000, help="null pairs per cell (verdicts)")
    parser.add_argument("--ci-reps", type=int, default=500, help="draws per cell (CI coverage)")
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples")
    args = parser.parse_args()

    from seedlock.stats import min_seeds_for_test, permutation_pvalue, summarize

    alpha = 0.05
    started = time.perf_counter()
    print(
        f"{args.reps} null repetitions per cell for the verdict, {args.ci_reps} for the mean CI "
        f"({args.resamples} resamples); 'better' allowed: 5% + 2 Monte-Carlo SE = "
        f"{100 * (alpha + 2 * math.sqrt(alpha * (1 - alpha) / args.reps)):.1f}%"
    )
    print(f"{'data':<10}{'n':>4}{'better, indep.':>16}{'better, paired':>16}{'mean CI covers':>16}")
    worst = 0.0
    for kind, truth in KINDS.items():
        rng = np.random.default_rng(list(KINDS).index(kind))
        for n in SIZES:
            independent = paired = 0
            for rep in range(args.reps):
                a, b = draw(rng, kind, n), draw(rng, kind, n)
                if n >= min_seeds_for_test(alpha=alpha):
                    independent += permutation_pvalue(a, b, n_resamples=999, seed=rep) < alpha
                if n >= min_seeds_for_test(alpha=alpha, paired=True):
                    p = permutation_pvalue(a, b, paired=True, n_resamples=999, seed=rep)
                    paired += p < alpha
            covered = sum(
                summarize(
                    draw(rng, kind, n), n_resamples=args.resamples, seed=rep
                ).mean_ci.contains(truth)
                for rep in range(args.ci_reps)
            )
            rates = (independent / args.reps, paired / args.reps)
            worst = max(worst, *rates)
            print(
                f"{kind:<10}{n:>4}{100 * rates[0]:>15.1f}%{100 * rates[1]:>15.1f}%"
                f"{100 * covered / args.ci_reps:>15.1f}%"
            )
    print(
        f"highest 'better' rate: {100 * worst:.1f}% "
        f"({time.perf_counter() - started:.0f} s; below 4 seeds per arm / 6 pairs the verdict "
        "is 'too few seeds', counted as no verdict)"
    )


if __name__ == "__main__":
    main()

"""summarize(), compare() and compare_tasks() refuse a bad confidence or resample count alike."""

from __future__ import annotations

import numpy as np
import pytest

from seedlock._errors import SeedlockError
from seedlock.stats import compare, compare_tasks, summarize

A = np.array([0.8, 0.82, 0.81, 0.83])
B = np.array([0.7, 0.72, 0.71, 0.73])
RUNS = {"a": np.array([[0.8, 0.6], [0.82, 0.61]]), "b": np.array([[0.7, 0.5], [0.71, 0.52]])}


def test_a_confidence_outside_zero_one_names_the_function_and_suggests_095() -> None:
    for call, name in (
        (lambda: summarize(A, confidence=1.0), "summarize"),
        (lambda: compare(A, B, confidence=0.0), "compare"),
        (lambda: compare_tasks(RUNS, confidence=1.5), "compare_tasks"),
    ):
        with pytest.raises(SeedlockError, match=rf"^{name}\(\) confidence must be in \(0, 1\)"):
            call()


def test_too_few_resamples_says_the_default_and_for_tasks_what_rliable_uses() -> None:
    with pytest.raises(SeedlockError, match=r"got 50\. The default is 10000\.$"):
        summarize(A, n_resamples=50)
    with pytest.raises(SeedlockError, match=r"got 50\. The default is 10000\.$"):
        compare(A, B, n_resamples=50)
    with pytest.raises(SeedlockError, match=r"default is 10000; rliable uses 50000 for aggregates"):
        compare_tasks(RUNS, n_resamples=50)

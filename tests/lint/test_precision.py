"""Patterns from real training code that lint used to misreport (issue 15), each kept as a case.

Every negative here was reported before its fix; every positive is the nearby pattern that must
still be reported.
"""

from __future__ import annotations

import textwrap

import pytest

from seedlock.lint._checker import check_source


def codes(source: str, rule: str) -> list[int]:
    """The lines of ``rule``'s findings, the same with and without the prefilter."""
    text = textwrap.dedent(source)
    fast = [d.line for d in check_source(text) if d.code == rule]
    full = [d.line for d in check_source(text, every_line=True) if d.code == rule]
    assert fast == full
    return fast


ORDER_IRRELEVANT = {
    "sorted a few lines later through a generator": """
        import glob
        class Images:
            def __init__(self, root):
                f = glob.glob(root + "/*.png")
                self.files = sorted(x for x in f)
        """,
    "only checked for emptiness and length": """
        import glob
        def find(d):
            files = glob.glob(d + "/*.csv")
            if not files or len(files) == 0:
                raise FileNotFoundError(d)
            print(f"{len(files)} files")
        """,
    "printed as a table": """
        import os
        def show(d):
            names = os.listdir(d)
            print(names)
        """,
    "each file processed on its own": """
        import os
        def convert(d):
            names = os.listdir(d)
            for name in names:
                os.rename(name, name.lower())
        """,
    "concatenated and re-sorted": """
        import glob
        import pandas as pd
        def load(d):
            files = glob.glob(d + "/*.csv")
            df = pd.concat([pd.read_csv(f) for f in files])
            df = df.sort_values("id")
            return df
        """,
    "a walrus result sorted through an alias": """
        import glob
        def pick(d):
            if (found := glob.glob(d)):
                chosen = found
                return sorted(chosen)
            return []
        """,
}

ORDER_REACHES_RESULT = {
    "a first-match pick by index": """
        import glob
        def latest(d):
            files = glob.glob(d + "/*.ckpt")
            return files[0]
        """,
    "a first-match pick by next()": """
        import os
        def first(d):
            names = os.listdir(d)
            return next(iter(names))
        """,
    "a concatenation that is not re-sorted": """
        import glob
        import pandas as pd
        def load(d):
            files = glob.glob(d + "/*.csv")
            return pd.concat([pd.read_csv(f) for f in files])
        """,
    "an alias handed to a Dataset": """
        import glob
        def build(d):
            files = glob.glob(d)
            paths = files
            return ImageDataset(paths)
        """,
    "a walrus result indexed": """
        import glob
        def pick(d):
            if (found := glob.glob(d)):
                return found[0]
        """,
}


@pytest.mark.parametrize("source", ORDER_IRRELEVANT.values(), ids=ORDER_IRRELEVANT.keys())
def test_a_listing_whose_order_cannot_reach_a_result_is_not_reported(source: str) -> None:
    assert codes(source, "SL001") == []


@pytest.mark.parametrize("source", ORDER_REACHES_RESULT.values(), ids=ORDER_REACHES_RESULT.keys())
def test_a_listing_whose_order_reaches_a_result_is_reported(source: str) -> None:
    assert len(codes(source, "SL001")) == 1

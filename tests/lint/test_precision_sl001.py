"""SL001 patterns from the judged corpus of issue 15 that it misreported, each kept as a case.

Each negative was an SL001 finding judged false in ``benchmarks/lint_judged.json``; each positive
is the nearby pattern, also from the corpus, that SL001 must still report. Listings whose order
reaches only a written output move to SL101, which runs only when selected.
"""

from __future__ import annotations

import textwrap

import pytest

from seedlock._errors import SeedlockError
from seedlock.lint import lint_source
from seedlock.lint._checker import check_source
from seedlock.lint._rules import DEFAULT, RULES, select_rules


def lines(source: str, rule: str, enabled: tuple[str, ...] = ("SL001", "SL101")) -> list[int]:
    """The lines of ``rule``'s findings, the same with and without the prefilter."""
    text = textwrap.dedent(source)
    fast = [d.line for d in check_source(text, enabled=enabled) if d.code == rule]
    full = [d.line for d in check_source(text, enabled=enabled, every_line=True) if d.code == rule]
    assert fast == full
    return fast


# yolov5 models/common.py: a path given as the exported model file or as its directory.
FILE_OR_DIRECTORY = {
    "next() of Path.glob under `not Path(w).is_file()`": """
        from pathlib import Path
        def load(w):
            if not Path(w).is_file():  # if not *.xml
                w = next(Path(w).glob("*.xml"))
            return w
        """,
    "next() of rglob with a default under `w.is_dir()`": """
        from pathlib import Path
        def load(w):
            w = Path(w)
            if w.is_dir():
                model_file = next(w.rglob("*.json"), None)
                params_file = next(w.rglob("*.pdiparams"), None)
            return model_file, params_file
        """,
    "[0] of os.listdir under `os.path.isdir(d)`": """
        import os
        def load(d):
            if os.path.isdir(d):
                d = os.path.join(d, os.listdir(d)[0])
            return d
        """,
}


@pytest.mark.parametrize("source", FILE_OR_DIRECTORY.values(), ids=FILE_OR_DIRECTORY.keys())
def test_a_first_pick_in_a_directory_given_in_place_of_its_file_is_not_reported(
    source: str,
) -> None:
    assert lines(source, "SL001") == []


def test_a_first_pick_in_a_directory_tested_for_something_else_is_still_reported() -> None:
    # yolov5 utils/general.py check_dataset: the first *.yaml of an unzipped dataset.
    source = """
        from pathlib import Path
        def check(data, root):
            if Path(data).is_file():
                data = next((root / Path(data).stem).rglob("*.yaml"))
            if root.is_dir():
                other = next(Path(data).glob("*.yaml"))
            return data, other
        """
    assert lines(source, "SL001") == [5, 7]


def test_a_first_match_in_a_tests_own_tmp_path_is_not_reported() -> None:
    # rl-baselines3-zoo tests/test_hyperparams_opt.py
    source = """
        import glob
        def test_optimize(tmp_path, tmpdir):
            study_path = next(iter(glob.glob(str(tmp_path / "ppo" / "report_*.pkl"))))
            other = glob.glob(tmpdir.join("*.pkl"))[0]
            return study_path, other
        """
    assert lines(source, "SL001") == []


def test_a_first_match_in_any_other_directory_of_a_test_is_still_reported() -> None:
    source = """
        import glob
        def test_optimize(log_path):
            return next(iter(glob.glob(str(log_path / "report_*.pkl"))))
        """
    assert lines(source, "SL001") == [4]


def test_a_file_picked_only_to_be_deleted_is_not_reported() -> None:
    # rl-baselines3-zoo rl_zoo3/push_to_hub.py
    source = """
        import glob, os
        from pathlib import Path
        def clean():
            json_path = list(glob.glob("*.meta.json"))
            if len(json_path) > 0:
                Path(json_path[0]).unlink()
            logs = glob.glob("*.log")
            os.remove(logs[0])
        """
    assert lines(source, "SL001") == []


def test_a_picked_file_that_is_read_is_still_reported() -> None:
    source = """
        import glob
        from pathlib import Path
        def load():
            json_path = list(glob.glob("*.meta.json"))
            return Path(json_path[0]).read_text()
        """
    assert lines(source, "SL001") == [5]


OUTPUT_ONLY = {
    # rl-baselines3-zoo rl_zoo3/push_to_hub.py
    "entries of a zip archive": """
        import glob, zipfile
        def pack(log_path, out):
            with zipfile.ZipFile(out, "w") as archive:
                for monitor_file in glob.glob(f"{log_path}/*.csv"):
                    archive.write(monitor_file, arcname=monitor_file.split("/")[-1])
        """,
    # pudae/kaggle-hpa tools/find_data_leak.py
    "rows of a CSV written by a helper's table": """
        import glob, os
        def main(test_dir):
            test_filenames = list(glob.glob(os.path.join(test_dir, "*_green.png")))
            df_leak = find_leak(test_filenames)
            df_leak.to_csv("data_leak.csv", index=False)
        """,
    # lRomul/argus-freesound build_kernel.py
    "files packed into a written script": """
        from pathlib import Path
        def build(template):
            to_encode = []
            for path in Path(".").glob("**/*.py"):
                to_encode.append(path)
            file_data = {str(path): path.read_text() for path in to_encode}
            Path("kernel.py").write_text(template.replace("{file_data}", str(file_data)))
        """,
    # vwxyzjn/cleanrl cleanrl_utils/huggingface.py
    "files added to a Hub commit": """
        from pathlib import Path
        from huggingface_hub import CommitOperationAdd
        def push(api, folder_path, operations):
            operations += [
                CommitOperationAdd(path_or_fileobj=str(item), path_in_repo=str(item))
                for item in Path(folder_path).glob("*")
            ]
            api.create_commit(operations=operations)
        """,
}


@pytest.mark.parametrize("source", OUTPUT_ONLY.values(), ids=OUTPUT_ONLY.keys())
def test_a_listing_whose_order_reaches_only_a_written_output_is_sl101_not_sl001(
    source: str,
) -> None:
    assert lines(source, "SL001") == []
    assert len(lines(source, "SL101")) == 1
    assert lines(source, "SL101", enabled=("SL101",)) == lines(source, "SL101")
    assert lines(source, "SL101", enabled=("SL001",)) == []


def test_a_file_list_written_line_by_line_stays_sl001() -> None:
    # A text file of names (train.txt) is often read back as the training list, in order.
    source = """
        import os
        def write_list(d):
            with open("train.txt", "w") as fh:
                for name in os.listdir(d):
                    fh.write(name + "\\n")
        """
    assert lines(source, "SL001") == [5]
    assert lines(source, "SL101") == []


def test_a_listing_that_reaches_a_dataset_and_an_output_stays_sl001() -> None:
    # pudae/kaggle-hpa tools/make_external_csv.py: the training list's rows follow the listing.
    source = """
        import os
        import pandas as pd
        def main(external_images_dir, df):
            ids = [os.path.splitext(f)[0] for f in os.listdir(external_images_dir)]
            df.loc[pd.Index(ids, dtype="object")].to_csv("data/external.csv")
        """
    assert lines(source, "SL001") == [5]
    assert lines(source, "SL101") == []


def test_sl101_is_off_by_default_and_selected_only_by_its_exact_id() -> None:
    source = textwrap.dedent(OUTPUT_ONLY["entries of a zip archive"])
    assert RULES["SL101"].default is False
    assert "SL101" not in DEFAULT and "SL001" in DEFAULT
    assert [d.code for d in lint_source(source)] == []
    assert [d.code for d in check_source(source)] == []
    assert [d.code for d in lint_source(source, select=["SL101"])] == ["SL101"]
    assert "SL101" not in select_rules(["ALL"], None)
    assert "SL101" not in select_rules(["SL"], None)
    assert "SL101" in select_rules(["SL101"], None)
    with pytest.raises(SeedlockError, match="only opt-in rules.*'SL101'"):
        select_rules(["SL1"], None)


def test_a_glob_of_an_exact_name_matches_at_most_one_file_and_is_not_reported() -> None:
    # yolov5 hubconf.py / utils/general.py: a glob used as a lookup of one named file
    source = """
        import glob, os
        from pathlib import Path
        def find(d, stem):
            a = glob.glob(os.path.join(d, "config.yaml"))[0]
            b = next(Path(d).glob(f"{stem}.yaml"))
            c = glob.glob(d + "/weights/best.pt")[0]
            return a, b, c
        """
    assert lines(source, "SL001") == []


def test_a_glob_with_a_wildcard_or_a_variable_name_is_still_reported() -> None:
    source = """
        import glob, os
        from pathlib import Path
        def find(d, stem, pattern):
            a = glob.glob(os.path.join(d, "*.yaml"))[0]
            b = next(Path(d).glob(f"{stem}?.yaml"))
            c = glob.glob(os.path.join(d, pattern))[0]
            e = next(Path(d).rglob("config.yaml"))
            return a, b, c, e
        """
    assert lines(source, "SL001") == [5, 6, 7, 8]


def test_a_listing_a_helper_handles_file_by_file_is_not_reported() -> None:
    # kaggle-hpa tools/make_rgby.py: ids listed in one function, each converted to its own
    # output file by another.
    source = """
        import glob, os
        def load_ids(input_dir):
            red = glob.glob(input_dir + '/*_red.png')
            return [name[:-8] for name in red]
        def process(ids, output_dir):
            for id_str in ids:
                out = os.path.join(output_dir, os.path.basename(id_str) + '.png')
                convert(id_str, out)
        def main(args):
            ids = load_ids(args.input_dir)
            process(ids, args.output_dir)
        """
    assert lines(source, "SL001") == []


def test_a_listing_a_helper_turns_into_a_dataset_or_an_unseen_caller_gets_is_reported() -> None:
    source = """
        import glob
        def load_ids(input_dir):
            red = glob.glob(input_dir + '/*_red.png')
            return [name[:-8] for name in red]
        def process(ids):
            return ImageDataset(ids)
        def main(args):
            ids = load_ids(args.input_dir)
            return process(ids)
        def listed(d):
            return glob.glob(d + '/*.png')
        """
    # the first reaches a Dataset through process(); the second is returned to callers that
    # are not in this module (it may be imported)
    assert lines(source, "SL001") == [4, 12]

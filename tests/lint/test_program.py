"""The whole-program rule SL013: draws in programs whose entry point never seeds anything."""

from __future__ import annotations

from pathlib import Path

from seedlock.lint import LintConfig, lint_paths, load_config

MODEL = "import numpy as np\n\n\ndef noise():\n    return np.random.randn(8)\n"
MAIN = 'if __name__ == "__main__":\n    main()\n'


def _sl013(root: Path, config: LintConfig | None = None) -> list[tuple[str, int, str]]:
    result = lint_paths([root], select=["SL013"], config=config or LintConfig())
    return [(Path(d.path).name, d.line, d.message) for d in result.findings]


def test_a_draw_in_an_imported_module_is_reported_naming_the_unseeded_entry_point(
    tmp_path: Path,
) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "train.py").write_text(
        f"from model import noise\n\ndef main():\n    noise()\n{MAIN}"
    )
    found = _sl013(tmp_path)
    assert [(name, line) for name, line, _ in found] == [("model.py", 5)]
    assert "entry point" in found[0][2] and "train.py" in found[0][2]


def test_a_seed_anywhere_the_entry_point_reaches_silences_the_program(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "model.py").write_text(MODEL)
    (tmp_path / "pkg" / "utils.py").write_text(
        "import seedlock\n\ndef setup():\n    seedlock.seed_everything(0)\n"
    )
    (tmp_path / "train.py").write_text(
        "from pkg.model import noise\nfrom pkg import utils\n\ndef main():\n"
        f"    utils.setup()\n    noise()\n{MAIN}"
    )
    assert _sl013(tmp_path) == []


def test_relative_imports_are_followed(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "model.py").write_text(MODEL)
    (tmp_path / "pkg" / "seeding.py").write_text("import random\nrandom.seed(0)\n")
    (tmp_path / "pkg" / "run.py").write_text(
        f"from . import seeding\nfrom .model import noise\n{MAIN}"
    )
    (tmp_path / "pkg" / "bare.py").write_text(f"from .model import noise\n{MAIN}")
    # model.py is reached by the seeded run.py as well, so that program is reproducible.
    assert _sl013(tmp_path) == []
    (tmp_path / "pkg" / "run.py").write_text(f"from .model import noise\n{MAIN}")
    assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("model.py", 5)]


def test_modules_no_entry_point_reaches_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "model.py").write_text(MODEL)
    (tmp_path / "other" / "tool.py").write_text(f"import json\n{MAIN}")
    assert _sl013(tmp_path) == []


def test_configured_entry_points_replace_main_blocks(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlock.lint]\nentry-points = ["scripts/*.py"]\n'
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "fit.py").write_text("import torch\nx = torch.randn(3)\n")
    (tmp_path / "demo.py").write_text(f"import random\nrandom.random()\n{MAIN}")
    config = load_config(tmp_path)
    assert config.entry_points == ("scripts/*.py",)
    assert [(n, line) for n, line, _ in _sl013(tmp_path, config)] == [("fit.py", 2)]


def test_noqa_and_per_file_ignores_silence_a_draw_but_its_seeds_still_count(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlock.lint]\nper-file-ignores = {"vendored/*" = ["SL013"]}\n'
    )
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "__init__.py").write_text("")
    (tmp_path / "vendored" / "aug.py").write_text(MODEL)
    (tmp_path / "main.py").write_text(
        f"import random\nimport vendored.aug\nrandom.random()  # noqa: SL013\n{MAIN}"
    )
    assert _sl013(tmp_path, load_config(tmp_path)) == []


def test_the_main_block_of_a_module_other_files_import_is_not_an_entry_point(
    tmp_path: Path,
) -> None:
    # A library module with a toy self-test (lucidrains' karras_unet.py): the package imports
    # it, so its __main__ block is a demo, not a program whose results anyone keeps.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.unet import Unet\n")
    (tmp_path / "pkg" / "unet.py").write_text(
        "import torch\n\n\nclass Unet:\n    def noise(self):\n        return torch.randn(3)\n\n"
        f"{MAIN}"
    )
    assert _sl013(tmp_path) == []


def test_a_script_imported_only_by_its_tests_stays_an_entry_point(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "train.py").write_text(
        f"from model import noise\n\ndef main():\n    noise()\n{MAIN}"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_train.py").write_text("import train\n")
    (tmp_path / "tool.py").write_text(f"import json\n{MAIN}")
    assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("model.py", 5)]
    # a non-test file importing train.py makes it a library module
    (tmp_path / "cli.py").write_text("import train\n")
    assert _sl013(tmp_path) == []


def test_a_script_whose_training_loop_is_at_module_level_is_an_entry_point(
    tmp_path: Path,
) -> None:
    # PyTorch-GAN's scripts have no __main__ block: the loop over epochs is at module level and
    # draws the noise z from the global NumPy RNG without any seed.
    (tmp_path / "gan.py").write_text(
        "import numpy as np\n\nfor epoch in range(3):\n    z = np.random.normal(0, 1, (4, 100))\n"
    )
    assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("gan.py", 4)]
    # a module whose only module-level statements are definitions and calls runs no loop
    (tmp_path / "gan.py").write_text(
        "import numpy as np\n\nprint('loaded')\n\ndef noise():\n"
        "    return np.random.normal(0, 1, (4, 100))\n"
    )
    assert _sl013(tmp_path) == []
    # the same script seeded is quiet
    (tmp_path / "gan.py").write_text(
        "import numpy as np\n\nnp.random.seed(0)\nfor epoch in range(3):\n"
        "    z = np.random.normal(0, 1, (4, 100))\n"
    )
    assert _sl013(tmp_path) == []


def test_a_main_block_that_makes_up_its_input_and_runs_no_loop_is_a_smoke_test(
    tmp_path: Path,
) -> None:
    # lucidrains' classifier_free_guidance.py: a module's __main__ block runs one forward pass
    # on torch.randn input; nobody keeps its numbers.
    smoke = (
        "import torch\n\ndef noise(x):\n    return torch.randn_like(x)\n\n"
        "if __name__ == '__main__':\n    x = torch.randn(8, 3)\n    noise(x)\n"
    )
    (tmp_path / "demo.py").write_text(smoke)
    assert _sl013(tmp_path) == []
    # the same block training in a loop is a program
    (tmp_path / "demo.py").write_text(
        smoke.replace("    noise(x)\n", "    for step in range(10):\n        noise(x)\n")
    )
    assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("demo.py", 4), ("demo.py", 7)]


def test_a_main_block_that_samples_an_untrained_model_and_keeps_nothing_is_a_demo(
    tmp_path: Path,
) -> None:
    # lucidrains' guided_diffusion.py: the __main__ block builds an untrained model, samples
    # from it and only looks at the result's shape; nothing it computes is kept.
    demo = (
        "import torch\n\nclass Diffusion:\n    def sample(self, n):\n"
        "        return torch.randn(n, 3)\n\n"
        "if __name__ == '__main__':\n    diffusion = Diffusion()\n"
        "    images = diffusion.sample(4)\n    images.shape\n"
    )
    (tmp_path / "demo.py").write_text(demo)
    assert _sl013(tmp_path) == []
    # printing, saving or calling a function for its effect keeps the numbers: a program
    for kept in ("print(images)", "torch.save(images, 'x.pt')", "main()"):
        (tmp_path / "demo.py").write_text(demo.replace("images.shape", kept))
        assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("demo.py", 5)], kept


def test_seedlocks_lightning_callback_seeds_the_program(tmp_path: Path) -> None:
    # examples/digits_lightning.py: the callback seeds every framework when fit starts.
    script = (
        "import torch\nfrom seedlock.lightning import SeedlockCallback\n\n"
        "def noise(x):\n    return torch.randn_like(x)\n\n"
        "def main():\n    callbacks = [SeedlockCallback()]\n    for step in range(3):\n"
        "        noise(torch.zeros(2))\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    (tmp_path / "train.py").write_text(script)
    assert _sl013(tmp_path) == []
    (tmp_path / "train.py").write_text(script.replace("[SeedlockCallback()]", "[]"))
    assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("train.py", 5)]


def test_stable_baselines3s_set_random_seed_seeds_the_program(tmp_path: Path) -> None:
    # rl-baselines3-zoo's enjoy.py seeds through SB3's helper (random, NumPy and torch).
    script = (
        "import numpy as np\nfrom stable_baselines3.common.utils import set_random_seed\n\n"
        "def main(seed):\n    set_random_seed(seed)\n    return np.random.normal()\n\n"
        "if __name__ == '__main__':\n    main(0)\n"
    )
    (tmp_path / "enjoy.py").write_text(script)
    assert _sl013(tmp_path) == []
    (tmp_path / "enjoy.py").write_text(script.replace("    set_random_seed(seed)\n", ""))
    assert [(n, line) for n, line, _ in _sl013(tmp_path)] == [("enjoy.py", 5)]

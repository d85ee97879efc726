"""Every rule fires on its positive cases and stays quiet on its negative cases."""

from __future__ import annotations

import re
import textwrap

import pytest

from seedlock.lint import RULES, lint_source
from seedlock.lint._checker import check_source

# (rule, source) pairs: each source must produce exactly one finding of that rule.
POSITIVES = [
    ("SL001", "import os\nfiles = os.listdir('data')\n"),
    ("SL001", "from glob import glob\nfor f in glob('*.png'):\n    images.append(load(f))\n"),
    ("SL001", "from pathlib import Path\nimages = list(Path('d').rglob('*.jpg'))\n"),
    ("SL001", "import os as o\nwith o.scandir('.') as it:\n    names = [e.name for e in it]\n"),
    ("SL001", "from os import listdir as ls\nnames = [n for n in ls('.') if n.endswith('.py')]\n"),
    (
        "SL001",
        "import os\nfor name in os.listdir('d'):\n    if name.endswith('.pt'):\n        break\n",
    ),
    ("SL002", "import random, time\nrandom.seed(time.time())\n"),
    ("SL002", "import numpy as np\nimport os\nrng = np.random.default_rng(seed=os.getpid())\n"),
    ("SL002", "import torch, uuid\ntorch.manual_seed(uuid.uuid4().int % 2**32)\n"),
    (
        "SL002",
        "from datetime import datetime\nmodel.fit(random_state=int(datetime.now().timestamp()))\n",
    ),
    ("SL003", "import random\nrandom.seed()\n"),
    ("SL003", "import numpy as np\nnp.random.seed(None)\n"),
    ("SL003", "from random import seed\nseed()\n"),
    ("SL003", "import torch\ntorch.seed()\n"),
    ("SL004", "import numpy as np\nrng = np.random.default_rng()\n"),
    ("SL004", "from numpy.random import RandomState\nrs = RandomState(None)\n"),
    ("SL004", "import random\nr = random.Random()\n"),
    ("SL004", "import torch\ndef f():\n    g = torch.Generator()\n    return g\n"),
    (
        "SL005",
        "from torch.utils.data import DataLoader\nDataLoader(ds, batch_size=8, shuffle=True)\n",
    ),
    ("SL005", "import torch\nloader = torch.utils.data.DataLoader(ds, num_workers=4)\n"),
    ("SL005", "from torch.utils.data import DataLoader as DL\nDL(ds, 32, True)\n"),
    ("SL006", "import torch\ntorch.backends.cudnn.benchmark = True\n"),
    ("SL006", "from torch.backends import cudnn\ncudnn.benchmark = True\n"),
    ("SL007", "from sklearn.model_selection import train_test_split\na, b = train_test_split(x)\n"),
    (
        "SL007",
        "from sklearn.ensemble import RandomForestClassifier as RF\nm = RF(n_estimators=5)\n"
        "m.fit(X, y)\n",
    ),
    (
        "SL007",
        "import sklearn.model_selection as ms\ncv = ms.KFold(5, shuffle=True)\n"
        "scores = cross_val_score(model, X, y, cv=cv)\n",
    ),
    (
        "SL007",
        "from sklearn.model_selection import StratifiedGroupKFold as S\n"
        "for a, b in S(5, shuffle=True).split(X, y, groups):\n    fit(a, b)\n",
    ),
    (
        "SL007",
        "from sklearn.ensemble import RandomForestClassifier\n"
        "pipe = make_pipeline(scaler, RandomForestClassifier())\n",
    ),
    ("SL008", "for name in {'weight', 'bias'}:\n    print(name)\n"),
    ("SL008", "KEYS = frozenset(['a', 'b', 'c'])\nordered = list(KEYS)\n"),
    ("SL008", "cols = ','.join({'x', 'y'})\n"),
    ("SL008", "NAMES = {'a', 'b'}\ndef f():\n    return [n.upper() for n in NAMES]\n"),
    ("SL008", "first, second = {'a', 'b'}\n"),
    ("SL008", "args = [*{'p', 'q'}]\n"),
    ("SL009", "import os\nos.environ['PYTHONHASHSEED'] = '0'\n"),
    ("SL009", "import os\nos.environ.setdefault('PYTHONHASHSEED', '0')\n"),
    ("SL009", "from os import environ\nenviron.update(PYTHONHASHSEED='0')\n"),
    (
        "SL010",
        """
        import numpy as np
        from torch.utils.data import Dataset
        class Aug(Dataset):
            def __getitem__(self, i):
                return self.x[i] * np.random.rand()
        """,
    ),
    (
        "SL010",
        """
        import random
        class Pairs:
            def __len__(self):
                return 10
            def __getitem__(self, i):
                return random.choice(self.items)
        """,
    ),
    ("SL011", "import torch\ntorch.use_deterministic_algorithms(True)\n"),
    (
        "SL011",
        "import os, torch\ntorch.use_deterministic_algorithms(mode=True)\n"
        "os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n",
    ),
    ("SL012", "import tensorflow as tf\ntf.random.set_seed(0)\n"),
    ("SL012", "from tensorflow import random as tfr\ntfr.set_seed(1)\n"),
    (
        "SL101",
        "import glob, zipfile\ndef f(d):\n    with zipfile.ZipFile('a.zip', 'w') as z:\n"
        "        for p in glob.glob(d + '/*.csv'):\n            z.write(p)\n",
    ),
    (
        "SL101",
        "import os\nfrom pathlib import Path\ndef f(d, out):\n    names = os.listdir(d)\n"
        "    Path(out).write_text(str(names))\n",
    ),
    ("SL001", "import os\nls = os.listdir\nnames = ls('data')\n"),
    (
        "SL001",
        "import os\nfor root, dirs, files in os.walk('d'):\n    for f in files:\n"
        "        paths.append(os.path.join(root, f))\n",
    ),
    ("SL008", "words = text.split()\nvocab = list(set(words))\n"),
    ("SL008", "index = {w: i for i, w in enumerate(set(open('f').read().split()))}\n"),
    ("SL002", "import random, time\nseed = int(time.time()) % 1000\nrandom.seed(seed)\n"),
    (
        "SL005",
        "from torch.utils.data import DataLoader\n"
        "DataLoader(ds, shuffle=(sampler is None), num_workers=args.workers)\n",
    ),
    (
        "SL005",
        "from torch.utils.data import DataLoader\nDataLoader(ds, num_workers=args.workers)\n",
    ),
    (
        "SL005",
        """
        import torch
        from torch.utils.data import DataLoader
        parser.add_argument("--seed", type=int, default=None)
        if args.seed is not None:
            torch.manual_seed(args.seed)
        loader = DataLoader(ds, shuffle=True)
        """,
    ),
    (
        "SL010",
        """
        import random
        from torch.utils.data import Dataset
        class Flip(Dataset):
            def __getitem__(self, i):
                return self.aug(self.x[i])
            def aug(self, x):
                return self.flip(x)
            def flip(self, x):
                return x[::-1] if random.random() < 0.5 else x
        """,
    ),
    (
        "SL010",
        """
        import numpy as np
        from torch.utils.data import Dataset
        def jitter(x):
            return x + np.random.rand()
        class Noisy(Dataset):
            def __getitem__(self, i):
                return jitter(self.x[i])
        """,
    ),
    ("SL014", "import pandas as pd\ndf = pd.read_csv('x.csv')\nval = df.sample(frac=0.2)\n"),
    ("SL014", "import pandas as pd\nrows = frame['y'].sample(100)\n"),
    (
        "SL015",
        "import tensorflow as tf\n"
        "ds = tf.data.Dataset.from_tensor_slices(x).shuffle(1000).batch(32)\n",
    ),
    ("SL015", "import tensorflow as tf\nfiles = tf.data.Dataset.list_files('data/*.tfrecord')\n"),
    (
        "SL013",
        """
        import numpy as np
        def train():
            z = np.random.randn(4, 100)
        if __name__ == "__main__":
            train()
        """,
    ),
    (
        "SL013",
        """
        from random import randint as ri
        import torch
        parser.add_argument("--seed", type=int)
        if args.seed is not None:
            torch.manual_seed(args.seed)
        if __name__ == "__main__":
            t = ri(0, 999)
        """,
    ),
]

# (rule, source) pairs that must produce no finding of that rule.
NEGATIVES = [
    ("SL001", "import os\nfiles = sorted(os.listdir('data'))\n"),
    ("SL001", "import os\nfiles = os.listdir('d')\nfiles.sort()\n"),
    ("SL001", "import os\nif 'x.txt' in os.listdir('.'):\n    pass\n"),
    ("SL001", "import glob\nn = len(glob.glob('*.py'))\n"),
    (
        "SL001",
        "from pathlib import Path\nfiles = sorted(p for p in Path('.').iterdir() if p.is_file())\n",
    ),
    ("SL001", "def listdir(p):\n    return []\nx = listdir('.')\n"),
    ("SL001", "import os\nfor name in os.listdir('tmp'):\n    os.remove(name)\n"),
    ("SL001", "import glob\nif not glob.glob('*.ckpt'):\n    raise SystemExit(1)\n"),
    (
        "SL001",
        """
        import os
        class Cache:
            def __init__(self, d):
                self.files = os.listdir(d)
            def load(self):
                self.files.sort()
        """,
    ),
    ("SL002", "import random\nrandom.seed(1234)\n"),
    ("SL002", "import time\nstart = time.time()\nrun(timeout=time.time() - start)\n"),
    ("SL003", "import random\nrandom.seed(0)\n"),
    ("SL003", "import numpy as np\nnp.random.seed(seed)\n"),
    ("SL003", "def seed():\n    pass\nseed()\n"),
    ("SL004", "import numpy as np\nrng = np.random.default_rng(42)\n"),
    ("SL004", "import torch\ng = torch.Generator()\ng.manual_seed(0)\n"),
    ("SL004", "import torch\ng = torch.Generator().manual_seed(0)\n"),
    ("SL004", "import random\nr = random.Random(seed)\n"),
    (
        "SL004",
        """
        import random
        class Pipe:
            def __init__(self):
                self._rng = random.Random()
            def reset(self, seed):
                self._rng.seed(seed)
        """,
    ),
    (
        "SL005",
        "from torch.utils.data import DataLoader\nDataLoader(ds, shuffle=True, generator=g)\n",
    ),
    ("SL005", "from torch.utils.data import DataLoader\nDataLoader(ds, batch_size=4)\n"),
    (
        "SL005",
        "import seedlock.torch\nseedlock.torch.dataloader(ds, shuffle=True, num_workers=4)\n",
    ),
    ("SL005", "from torch.utils.data import DataLoader\nDataLoader(ds, shuffle=True, **kw)\n"),
    ("SL006", "import torch\ntorch.backends.cudnn.benchmark = False\n"),
    ("SL006", "import torch\ntorch.backends.cudnn.deterministic = True\n"),
    (
        "SL007",
        "from sklearn.model_selection import train_test_split\n"
        "train_test_split(x, random_state=0)\n",
    ),
    ("SL007", "from sklearn.model_selection import KFold\ncv = KFold(5)\n"),
    ("SL007", "from sklearn.cluster import KMeans\nKMeans(2, init=centres, n_init=1)\n"),
    (
        "SL007",
        "from sklearn.ensemble import BaggingClassifier as B\n"
        "from sklearn.tree import DecisionTreeClassifier as T\n"
        "B(T(max_depth=2), random_state=0)\nB(estimator=T(), random_state=1)\n",
    ),
    ("SL007", "from sklearn.linear_model import LinearRegression\nLinearRegression()\n"),
    ("SL007", "from mylib import RandomForestClassifier\nRandomForestClassifier()\n"),
    (
        "SL007",
        "from sklearn.ensemble import RandomForestClassifier as RF\nm = RF(n_estimators=5)\n"
        "print(m)\nassert m.get_params()['n_estimators'] == 5\nrepr(RF())\n",
    ),
    (
        "SL007",
        """
        import pytest
        from sklearn.cluster import KMeans
        @pytest.mark.parametrize("est", [KMeans(2)])
        def test_params(est):
            assert est.n_clusters == 2
        def test_bad():
            with pytest.raises(ValueError):
                KMeans(n_clusters=0).fit(X)
        """,
    ),
    ("SL008", "for name in sorted({'weight', 'bias'}):\n    print(name)\n"),
    ("SL008", "if x in {'a', 'b'}:\n    pass\n"),
    ("SL008", "for name in ('weight', 'bias'):\n    print(name)\n"),
    ("SL008", "s = {1, 2, 3}\nfor i in s:\n    print(i)\n"),
    ("SL008", "n = len({'a', 'b'})\nu = {k.upper() for k in {'a', 'b'}}\n"),
    ("SL008", "for k in {'only'}:\n    pass\n"),
    (
        "SL009",
        "import os\nenv = dict(os.environ, PYTHONHASHSEED='0')\nsubprocess.run(cmd, env=env)\n",
    ),
    ("SL009", "import os\nprint(os.environ['PYTHONHASHSEED'])\n"),
    (
        "SL010",
        """
        import numpy as np
        from torch.utils.data import Dataset
        class Aug(Dataset):
            def __getitem__(self, i):
                rng = np.random.default_rng(i)
                return self.x[i] * rng.random()
        """,
    ),
    (
        "SL010",
        """
        import random
        class Sampler:
            def __getitem__(self, i):
                return random.random()
        def __getitem__(i):
            return random.random()
        """,
    ),
    (
        "SL011",
        "import os, torch\nos.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n"
        "torch.use_deterministic_algorithms(True)\n",
    ),
    ("SL011", "import torch\ntorch.use_deterministic_algorithms(False)\n"),
    (
        "SL011",
        "import os, torch\nos.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':16:8')\n"
        "torch.use_deterministic_algorithms(True, warn_only=True)\n",
    ),
    (
        "SL012",
        "import tensorflow as tf\ntf.random.set_seed(0)\n"
        "tf.config.experimental.enable_op_determinism()\n",
    ),
    ("SL012", "import tensorflow as tf\ntf.keras.utils.set_random_seed(0)\n"),
    ("SL012", "import keras\nkeras.utils.set_random_seed(0)\n"),
    ("SL101", "import os\ndef f(d):\n    return os.listdir(d)[0]\n"),
    ("SL101", "import os\ndef f(d):\n    return len(os.listdir(d))\n"),
    (
        "SL001",
        "import os\nfor root, dirs, files in os.walk('d'):\n    dirs.sort()\n"
        "    for f in sorted(files):\n        paths.append(f)\n",
    ),
    (
        "SL001",
        "import os\nfor root, _, files in os.walk('tmp'):\n"
        "    for f in files:\n        os.remove(f)\n",
    ),
    ("SL001", "import ast\nfor node in ast.walk(tree):\n    out.append(node)\n"),
    (
        "SL001",
        "import os\ndef f(d, x):\n    subdirs = next(os.walk(d))[1]\n    return x in subdirs\n",
    ),
    ("SL001", "import os\nls = os.listdir\nnames = sorted(ls('data'))\n"),
    ("SL008", "words = text.split()\nvocab = sorted(set(words))\nn = len(set(words))\n"),
    ("SL008", "ids = load_ids()\nunique = list(set(ids))\n"),
    ("SL002", "import random, time\nstarted = time.time()\nrandom.seed(0)\n"),
    ("SL002", "import random, time\nseed = int(time.time())\nseed = 0\nrandom.seed(seed)\n"),
    (
        "SL005",
        "from torch.utils.data import DataLoader\n"
        "DataLoader(ds, shuffle=False, num_workers=args.workers)\n",
    ),
    (
        "SL005",
        """
        import torch
        from torch.utils.data import DataLoader
        parser.add_argument("--seed", type=int, default=0)
        torch.manual_seed(args.seed)
        loader = DataLoader(ds, shuffle=(sampler is None), num_workers=args.workers)
        """,
    ),
    (
        "SL010",
        """
        import random
        from torch.utils.data import Dataset
        class Pool(Dataset):
            def __getitem__(self, i):
                return self.x[i]
            def reshuffle(self):
                random.shuffle(self.x)
        def helper():
            return random.random()
        """,
    ),
    ("SL014", "import pandas as pd\nval = df.sample(frac=0.2, random_state=0)\n"),
    (
        "SL014",
        "import pandas as pd\nimport random\nx = random.sample(items, 3)\nz = d.sample((9,))\n",
    ),
    ("SL014", "import torch\nz = dist.sample()\nw = df.sample(frac=0.5)\n"),
    ("SL015", "import tensorflow as tf\ntf.random.set_seed(0)\nds = ds.shuffle(BUFFER_SIZE)\n"),
    (
        "SL015",
        "import tensorflow as tf\nds = ds.shuffle(1000, seed=1)\nrng.shuffle(arr)\n"
        "files = tf.data.Dataset.list_files('*', shuffle=False)\n",
    ),
    (
        "SL013",
        """
        import numpy as np
        import torch
        def train():
            z = np.random.randn(4, 100)
        if __name__ == "__main__":
            torch.manual_seed(0)
            train()
        """,
    ),
    ("SL013", "import numpy as np\nz = np.random.randn(4)\n"),
    (
        "SL013",
        "import torch\nif __name__ == '__main__':\n"
        "    order = torch.randperm(10, generator=torch.Generator().manual_seed(42))\n",
    ),
    (
        "SL013",
        """
        import random
        from lightning import seed_everything
        if __name__ == "__main__":
            seed_everything(7)
            print(random.random())
        """,
    ),
]


def _codes(source: str, rule: str = "SL000") -> list[str]:
    # An opt-in rule is checked only when selected.
    select = None if RULES[rule].default else [rule]
    return [d.code for d in lint_source(textwrap.dedent(source), select=select)]


@pytest.mark.parametrize(("rule", "source"), POSITIVES)
def test_rule_fires_once_on_its_positive_case(rule: str, source: str) -> None:
    assert _codes(source, rule).count(rule) == 1


@pytest.mark.parametrize(("rule", "source"), NEGATIVES)
def test_rule_stays_quiet_on_its_negative_case(rule: str, source: str) -> None:
    assert rule not in _codes(source, rule)


def test_every_rule_has_two_positive_and_two_negative_cases() -> None:
    for rule in RULES:
        if rule == "SL000":
            continue
        assert sum(r == rule for r, _ in POSITIVES) >= 2, rule
        assert sum(r == rule for r, _ in NEGATIVES) >= 2, rule


@pytest.mark.parametrize(("rule", "source"), POSITIVES + NEGATIVES)
def test_prefilter_finds_what_a_walk_of_every_line_finds(rule: str, source: str) -> None:
    text = textwrap.dedent(source)
    assert check_source(text) == check_source(text, every_line=True)


def test_messages_name_the_fix_on_one_line() -> None:
    for _, source in POSITIVES:
        for finding in lint_source(textwrap.dedent(source)):
            assert "\n" not in finding.message
            assert ";" in finding.message


def test_each_message_is_its_rules_why_and_fix_written_once() -> None:
    for _, source in POSITIVES:
        for finding in lint_source(textwrap.dedent(source)):
            rule = RULES[finding.code]
            fix = rule.fix.rstrip(".")
            assert finding.message.endswith(f" {rule.why}; {fix[:1].lower()}{fix[1:]}")


def test_each_rule_is_defined_in_exactly_one_family_module() -> None:
    from pathlib import Path

    import seedlock.lint

    sources = [p.read_text() for p in Path(seedlock.lint.__file__).parent.glob("*.py")]
    for rule_id in RULES:
        assert sum(text.count(f'Rule(\n    "{rule_id}"') for text in sources) == 1, rule_id


def test_findings_point_at_the_offending_expression() -> None:
    findings = lint_source("import os\n\nx = 1; names = os.listdir('.')\n")
    assert [(d.line, d.column) for d in findings] == [(3, 16)]


def test_a_syntax_error_is_reported_as_sl000_not_raised() -> None:
    findings = lint_source("def broken(:\n    pass\n", "bad.py")
    assert [(d.path, d.line, d.code) for d in findings] == [("bad.py", 1, "SL000")]


def test_the_checker_never_imports_the_code() -> None:
    findings = lint_source("raise SystemExit('imported!')\nimport os\nos.listdir('.')\n")
    assert [d.code for d in findings] == ["SL001"]


def test_the_checker_walks_deep_expressions_without_recursion() -> None:
    source = "x = " + "+".join(["f()"] * 900) + "\nimport os\nos.listdir('.')\n"
    assert [d.code for d in check_source(source, every_line=True)] == ["SL001"]


def test_every_call_the_readme_lists_for_sl003_is_reported() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    row = next(line for line in readme.read_text().splitlines() if line.startswith("| SL003 |"))
    calls = re.findall(r"`([\w.]+\(\))`", row)
    assert len(calls) == 4
    for call in calls:
        source = f"import numpy as np\nimport random\nimport torch\n{call}\n"
        assert [d.code for d in lint_source(source)] == ["SL003"], call


def test_cudnn_benchmark_in_a_speed_benchmark_script_is_not_reported() -> None:
    # timm's benchmark.py: timing the kernels cudnn picks is what the script measures.
    source = "import torch\ntorch.backends.cudnn.benchmark = True\n"
    assert [d.code for d in lint_source(source, "timm/benchmark.py")] == []
    assert [d.code for d in lint_source(source, "bench_models.py")] == []
    assert [d.code for d in lint_source(source, "timm/train.py")] == ["SL006"]


AUGMENTING_DATASET = """
import numpy as np
from torch.utils.data import Dataset

class Digits(Dataset):
    def __len__(self):
        return 10
    def __getitem__(self, i):
        return np.random.rand()
"""


@pytest.mark.parametrize(
    "wiring",
    [
        "from seedlock.lightning import SeedlockCallback\ncallbacks = [SeedlockCallback()]\n",
        "from seedlock.transformers import SeedlockCallback\ncallbacks = [SeedlockCallback()]\n",
        "import seedlock.torch\nloader = seedlock.torch.dataloader(Digits(), batch_size=2)\n",
        "from seedlock.data import seeded\ndata = seeded(Digits())\n",
    ],
)
def test_a_dataset_draw_is_not_sl010_when_seedlock_reseeds_each_sample(wiring: str) -> None:
    # examples/digits_lightning.py, hf_trainer.py, accelerate_loop.py
    assert "SL010" not in _codes(AUGMENTING_DATASET + wiring, "SL010")
    assert "SL010" not in [
        d.code for d in check_source(AUGMENTING_DATASET + wiring, every_line=True)
    ]


def test_a_dataset_draw_is_sl010_when_a_plain_dataloader_also_loads_it() -> None:
    # examples/digits.py: seedlock's loader only behind --streams, a plain DataLoader otherwise
    wiring = (
        "import seedlock.torch\nfrom torch.utils.data import DataLoader\n"
        "a = seedlock.torch.dataloader(Digits(), batch_size=2)\n"
        "b = DataLoader(Digits(), batch_size=2)\n"
    )
    assert _codes(AUGMENTING_DATASET + wiring, "SL010") == ["SL010"]
    assert _codes(AUGMENTING_DATASET, "SL010") == ["SL010"]

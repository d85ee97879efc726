"""Collect a fingerprint of the environment a run executes in, and save and load it.

Determinism contract: collecting a fingerprint reads versions, hardware, flags and environment
variables but changes nothing and imports no framework: package versions come from installed
metadata, CUDA/cuDNN versions and framework flags only from frameworks already imported. The
persisted form is a versioned JSON dict read back by a validating loader.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime, timezone

from seedlock._base import persist
from seedlock._base.commands import git_argv, git_env
from seedlock._base.record import Frozen
from seedlock._errors import StateError
from seedlock.determinism import THREAD_VARS
from seedlock.frameworks import FRAMEWORKS

# Not ``typing.TYPE_CHECKING``: this module runs at the exit of every `seedlock run`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ENV_VARS",
    "FORMAT",
    "PACKAGES",
    "PACKAGE_IMPACT",
    "THREAD_VARS",
    "Fingerprint",
    "collect",
]

#: Version of the persisted fingerprint format.
FORMAT = 1
#: The ``kind`` of a fingerprint's header; format-1 files written before it carry none.
KIND = "seedlock-fingerprint"

#: Distributions whose versions are recorded when installed (never imported), each with how likely
#: another version is to change results: "high" ships different kernels, defaults or RNGs.
PACKAGE_IMPACT = {
    "numpy": "high",
    "scipy": "medium",
    "torch": "high",
    "torchvision": "medium",
    "torchaudio": "medium",
    "triton": "high",
    "tensorflow": "high",
    "tensorflow-cpu": "high",
    "keras": "high",
    "jax": "high",
    "jaxlib": "high",
    "jax-cuda12-plugin": "high",
    "jax-cuda13-plugin": "high",
    "flax": "medium",
    "optax": "medium",
    "cupy": "high",
    "cupy-cuda11x": "high",
    "cupy-cuda12x": "high",
    "cupy-cuda13x": "high",
    "scikit-learn": "medium",
    "pandas": "medium",
    "lightning": "medium",
    "pytorch-lightning": "medium",
    "transformers": "medium",
    "accelerate": "medium",
    "datasets": "medium",
    "xgboost": "medium",
    "lightgbm": "medium",
    "numba": "medium",
    "mkl": "high",
    "threadpoolctl": "low",
    "nvidia-cudnn-cu12": "high",
    "nvidia-cublas-cu12": "high",
    "seedlock": "low",
}
PACKAGES = tuple(PACKAGE_IMPACT)


#: Other environment variables that change results (or the seed), recorded under ``env``.
ENV_VARS = (
    "PYTHONHASHSEED",
    "CUBLAS_WORKSPACE_CONFIG",
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_TF32_OVERRIDE",
    "MKL_CBWR",
    "XLA_FLAGS",
    "JAX_PLATFORMS",
    "JAX_ENABLE_X64",
    "JAX_DEFAULT_MATMUL_PRECISION",
    "TF_DETERMINISTIC_OPS",
    "TF_CUDNN_DETERMINISTIC",
    "TF_ENABLE_ONEDNN_OPTS",
    "KERAS_BACKEND",
)

_SECTIONS = ("python", "platform", "cpu", "cuda", "packages", "threads", "flags", "env")
_TIMEOUT_S = 5.0


class Fingerprint(Frozen):
    """What a run's results may depend on besides its code, data and seed.

    Every section is a flat dict of JSON scalars; ``gpus`` is ``None`` when GPUs could not be
    queried (no ``nvidia-smi``), else a list of dicts; ``git`` is ``None`` outside a repository.

    Attributes:
        python: version, implementation, executable.
        platform: system, release, machine, platform string, hostname.
        cpu: model, logical count, usable count (affinity, container limits).
        gpus: one dict per GPU (name, driver, memory), ``[]`` for none, ``None`` for unknown.
        cuda: CUDA and cuDNN versions (from an already-imported torch or TensorFlow).
        packages: installed versions of ML packages (absent packages are left out).
        threads: thread-count variables (``None`` when unset) and the intra-op threads of an
            imported torch or TensorFlow.
        flags: determinism flags of imported frameworks and whether the hash seed is fixed.
        env: the relevant environment variables that are set (``SEEDLOCK_*`` included).
        git: commit, branch and dirty state of the working directory's repository.
        created: UTC time of collection (ISO 8601); not compared by ``diff``.
        format: format version of the persisted dict.

    Example:
        >>> import seedlock
        >>> fp = seedlock.fingerprint()
        >>> type(fp).from_dict(fp.to_dict()) == fp
        True
    """

    __slots__ = (
        "python",
        "platform",
        "cpu",
        "gpus",
        "cuda",
        "packages",
        "threads",
        "flags",
        "env",
        "git",
        "created",
        "format",
    )
    python: dict[str, Any]
    platform: dict[str, Any]
    cpu: dict[str, Any]
    gpus: list[dict[str, Any]] | None
    cuda: dict[str, Any]
    packages: dict[str, Any]
    threads: dict[str, Any]
    flags: dict[str, Any]
    env: dict[str, Any]
    git: dict[str, Any] | None
    created: str
    format: int

    def __init__(  # noqa: PLR0913 - one parameter per field
        self,
        python: dict[str, Any],
        platform: dict[str, Any],
        cpu: dict[str, Any],
        gpus: list[dict[str, Any]] | None,
        cuda: dict[str, Any],
        packages: dict[str, Any],
        threads: dict[str, Any],
        flags: dict[str, Any],
        env: dict[str, Any],
        git: dict[str, Any] | None,
        created: str = "",
        format: int = FORMAT,  # noqa: A002 - the persisted field's name
    ) -> None:
        self._init(
            python=python,
            platform=platform,
            cpu=cpu,
            gpus=gpus,
            cuda=cuda,
            packages=packages,
            threads=threads,
            flags=flags,
            env=env,
            git=git,
            created=created,
            format=format,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what :meth:`save` writes)."""
        return {
            **persist.header(KIND, self.format),
            "created": self.created,
            **{name: dict(getattr(self, name)) for name in _SECTIONS},
            "gpus": None if self.gpus is None else [dict(gpu) for gpu in self.gpus],
            "git": None if self.git is None else dict(self.git),
        }

    @classmethod
    def from_dict(cls, data: object) -> Fingerprint:
        """Rebuild a fingerprint from :meth:`to_dict` output, checking every field.

        Raises:
            StateError: when ``data`` is not a fingerprint dict, is corrupt, or has a newer
                format than this seedlock reads.
        """
        if not isinstance(data, dict):
            raise StateError(
                f"a fingerprint must be a dict, got {type(data).__name__}. "
                "Pass the dict that Fingerprint.to_dict() produced."
            )
        persist.check_header(
            data,
            kind=KIND,
            current=FORMAT,
            what="a seedlock fingerprint",
            unkinded=1,
            fix="Pass a file written by `seedlock env --json` or Fingerprint.save().",
        )
        sections = {name: _flat_section(data, name) for name in _SECTIONS}
        created = data.get("created", "")
        if not isinstance(created, str):
            raise StateError(f"fingerprint 'created' must be a str, got {created!r}.")
        gpus = data.get("gpus")
        if gpus is not None:
            if not isinstance(gpus, list) or not all(isinstance(g, dict) for g in gpus):
                raise StateError(
                    f"fingerprint 'gpus' must be null or a list of dicts, got {gpus!r}."
                )
            gpus = [_flat_section({"gpu": g}, "gpu") for g in gpus]
        git = None if data.get("git") is None else _flat_section(data, "git")
        return cls(gpus=gpus, git=git, created=created, format=FORMAT, **sections)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fingerprint as JSON to ``path``.

        Example:
            >>> import seedlock, tempfile, os
            >>> path = os.path.join(tempfile.mkdtemp(), "env.json")
            >>> seedlock.fingerprint().save(path)
        """
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Fingerprint:
        """Read a fingerprint written by :meth:`save` or ``seedlock env --json``.

        Raises:
            StateError: when the file is missing, not JSON, or not a valid fingerprint.
        """
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except OSError as exc:
            raise StateError(
                f"cannot read fingerprint file {os.fspath(path)!r}: {exc.strerror or exc}."
            ) from exc
        except UnicodeDecodeError as exc:
            raise StateError(
                f"fingerprint file {os.fspath(path)!r} is not UTF-8 text: it is not a "
                "fingerprint; write one with `seedlock env --json`."
            ) from exc
        try:
            data = persist.loads(text)
        except ValueError as exc:
            raise StateError(
                f"fingerprint file {os.fspath(path)!r} is not usable: {exc}. "
                "It is truncated or not a fingerprint; write one with `seedlock env --json`."
            ) from exc
        return cls.from_dict(data)

    def flat(self) -> dict[str, Any]:
        """Every value under a dotted key (``"packages.torch"``, ``"gpus.0.name"``).

        Example:
            >>> import seedlock
            >>> "python.version" in seedlock.fingerprint().flat()
            True
        """
        out: dict[str, Any] = {}
        for name in _SECTIONS:
            for key, value in getattr(self, name).items():
                out[f"{name}.{key}"] = value
        out["gpus.count"] = None if self.gpus is None else len(self.gpus)
        for index, gpu in enumerate(self.gpus or []):
            for key, value in gpu.items():
                out[f"gpus.{index}.{key}"] = value
        if self.git is not None:
            for key, value in self.git.items():
                out[f"git.{key}"] = value
        return out


def _flat_section(data: dict[str, Any], name: str) -> dict[str, Any]:
    section = data.get(name)
    if not isinstance(section, dict):
        raise StateError(
            f"fingerprint section {name!r} must be a dict, got {type(section).__name__}. "
            "The file is corrupt or not a seedlock fingerprint."
        )
    for key, value in section.items():
        if not isinstance(key, str) or not (
            value is None or isinstance(value, (str, int, float, bool))
        ):
            raise StateError(
                f"fingerprint section {name!r} has {key!r}: {value!r}; values must be strings, "
                "numbers, booleans or null. The file is corrupt or not a seedlock fingerprint."
            )
    return dict(section)


def _run(argv: list[str], env: Mapping[str, str] | None = None) -> str | None:
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
            env=None if env is None else dict(env),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("model name", "Hardware", "Processor")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        out = _run(["sysctl", "-n", "machdep.cpu.brand_string"])
        if out:
            return out.strip()
    return platform.processor() or None


def _usable_cpus() -> int | None:
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is None:
        return os.cpu_count()
    return len(getaffinity(0))


def _gpus() -> list[dict[str, Any]] | None:
    # No shutil.which first: a missing binary is just an OSError in _run, and it saves an import.
    out = _run(
        ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
    )
    if out is not None:
        gpus = []
        for line in out.strip().splitlines():
            name, driver, memory = ([*line.split(","), "", ""])[:3]
            gpus.append({"name": name.strip(), "driver": driver.strip(), "memory": memory.strip()})
        return gpus
    for fw in FRAMEWORKS:
        if fw.is_loaded():
            found = fw.fingerprint_gpus()
            if found is not None:
                return found
    return None


def _cuda() -> dict[str, Any]:
    for fw in FRAMEWORKS:
        if fw.is_loaded():
            found = fw.fingerprint_cuda()
            if found is not None:
                return found
    return {"cuda": None, "cudnn": None, "hip": None, "source": None}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _metadata_version(path: str) -> str | None:
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(path, filename), encoding="utf-8", errors="replace") as meta:
                for line in meta:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return None


def _packages() -> dict[str, Any]:
    # One directory scan of sys.path instead of importlib.metadata, which costs tens of
    # milliseconds to import and searches the whole path once per package; the first match on
    # sys.path wins, as with importlib.metadata.
    wanted = {_canonical(name): name for name in PACKAGES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as it:
                names = [e.name for e in it if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        for dirname in names:
            stem, _, version = dirname.rpartition(".")[0].partition("-")
            name = wanted.get(_canonical(stem))
            if name is None or name in found:
                continue
            path = os.path.join(entry or ".", dirname)
            found[name] = _metadata_version(path) or version.split("-")[0]
    return {name: found[name] for name in PACKAGES if name in found}


def _threads() -> dict[str, Any]:
    threads: dict[str, Any] = {name: os.environ.get(name) for name in THREAD_VARS}
    for fw in FRAMEWORKS:
        if fw.is_loaded():
            threads.update(fw.fingerprint_threads())
    return threads


def _flags() -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for fw in FRAMEWORKS:
        if fw.is_loaded():
            flags.update(fw.fingerprint_flags())
    return flags


_SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s:]+:[^/@\s]*@")
REDACTED = "<redacted>"


def redact_env(variables: Mapping[str, str]) -> dict[str, str]:
    """``variables`` safe to store: secret-looking names redacted, URL passwords masked.

    A name containing TOKEN, SECRET, KEY, PASSWORD, PASSWD, CREDENTIAL or AUTH (any case,
    any prefix) keeps its name with the value replaced; ``scheme://user:password@host`` in any
    value loses the user and password.

    Example:
        >>> redact_env({"SEEDLOCK_API_TOKEN": "abc", "DB": "postgres://u:p@h/db", "X": "1"})
        {'SEEDLOCK_API_TOKEN': '<redacted>', 'DB': 'postgres://***@h/db', 'X': '1'}
    """
    safe = {}
    for name, value in variables.items():
        if _SECRET_NAME.search(name):
            safe[name] = REDACTED
        else:
            safe[name] = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}***@", value)
    return safe


def _env() -> dict[str, Any]:
    return redact_env(
        {
            name: value
            for name, value in sorted(os.environ.items())
            if name in ENV_VARS or name.startswith("SEEDLOCK_")
        }
    )


def _git(cwd: str) -> dict[str, Any] | None:
    argv = git_argv(cwd, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
    out = _run(argv, git_env())
    if out is None:
        return None
    commit = branch = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            commit = line.split()[2]
        elif line.startswith("# branch.head "):
            branch = line.split(maxsplit=2)[2]
        elif line and not line.startswith("#"):
            dirty = True
    if commit == "(initial)":
        commit = None
    return {"commit": commit, "branch": None if branch == "(detached)" else branch, "dirty": dirty}


def collect(cwd: str | os.PathLike[str] | None = None) -> Fingerprint:
    """Fingerprint the current process and machine (see :class:`Fingerprint`).

    Args:
        cwd: the directory whose git state is recorded; the working directory by default.
    """
    return Fingerprint(
        python={
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        platform={
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
            "hostname": platform.node(),
        },
        cpu={"model": _cpu_model(), "count": os.cpu_count(), "usable": _usable_cpus()},
        gpus=_gpus(),
        cuda=_cuda(),
        packages=_packages(),
        threads=_threads(),
        flags=_flags(),
        env=_env(),
        git=_git(os.fspath(cwd) if cwd is not None else os.getcwd()),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )

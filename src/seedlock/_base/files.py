"""File helpers shared by ``launch`` (output hashes) and ``_verify`` (comparing outputs).

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp(), "f")
    >>> _ = path.write_bytes(b"abc")
    >>> file_sha256(path)[:12]
    'ba7816bf8f01'
"""

from __future__ import annotations

import os

__all__ = ["file_sha256"]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 hex digest of a file's bytes, read in 1 MiB chunks.

    Example:
        >>> file_sha256(os.devnull)[:12]
        'e3b0c44298fc'
    """
    # Imported here: seedlock.launch (and so this module) loads in every child of a run, and
    # hashlib's OpenSSL binding costs a few ms that only a logged artifact needs.
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

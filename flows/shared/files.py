"""Files made safely: written atomically, owner-only folders, the content-addressed archive."""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHUNK = 1 << 20


class FileRejected(Exception):
    """The whole file cannot be used; the message says why in one line."""


class FileChanged(Exception):
    """The file's bytes changed while it was being copied: it is still being written."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def atomic_path(target: Path, mode: int = 0o600) -> Iterator[Path]:
    """Yield a temporary path beside target; rename it over target only on success.

    Temporary files of the same target left by a killed run are removed first (one run at a
    time holds the data home, so none of them is being written).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def owner_only(folder: Path) -> Path:
    """Create the folder (and parents) if needed, readable by its owner only: it holds
    personal data."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def write_text_atomic(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def archive(path: Path, archive_dir: Path, sha256: str) -> Path:
    """Copy the file into the archive under its sha256 (once; never modified; read-only, for its
    owner only), hashing the copy as it is written: its bytes always hash to its name. When they
    do not hash to `sha256` the file changed since it was hashed (FileChanged), and nothing is
    archived."""
    target = archive_dir / sha256[:2] / f"{sha256}{path.suffix.lower()}"
    if target.exists():
        return target
    with atomic_path(target, mode=0o400) as tmp:
        digest = hashlib.sha256()
        with path.open("rb") as source, tmp.open("wb") as copy:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
        if digest.hexdigest() != sha256:
            raise FileChanged("changed while it was being read")
    return target


def reject(path: Path, reason: str, archived: Path, sha256: str) -> Path:
    """Put the file as it was read (its archived copy) in rejected/ beside it, with a
    .error.txt holding the reason; the inbox file goes only if it is still that file (one
    dropped again meanwhile stays for the next run)."""
    folder = path.parent / "rejected"
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    write_text_atomic(folder / f"{path.name}.error.txt", reason + "\n")
    with atomic_path(target) as tmp:
        shutil.copyfile(archived, tmp)
    try:
        if sha256_file(path) == sha256:
            path.unlink()
    except FileNotFoundError:
        pass  # taken away meanwhile
    return target

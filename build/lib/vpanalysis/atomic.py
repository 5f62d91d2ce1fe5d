"""Atomic writes: a reader never sees a half-written file or folder.

Files are written to a temporary file in the same folder (named ``.<name>.tmp-<random>``,
so that a cleaner can find the leftovers of a killed process with the glob ``*.tmp-*``)
and moved into place with :func:`os.replace` (atomic on POSIX and Windows within one file
system). Folders are built next to their target and swapped in with two renames.

:mod:`tempfile` creates files with mode ``0600`` and folders with ``0700``; before the
move, both get the mode an ordinary ``open()`` or ``mkdir()`` would give them under the
user's umask, so that a web server or a shared folder can read the reports.

:func:`write_text` and :func:`write_bytes` are the short names used across the package.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + ``os.replace``)."""
    return atomic_write_with(path, lambda tmp: tmp.write_bytes(data))


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; newlines are written as given."""
    return write_bytes(path, text.encode(encoding))


atomic_write_bytes = write_bytes
atomic_write_text = write_text


def atomic_write_with(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically.

    For writers that want a path (``DataFrame.to_parquet``). The temporary file is
    removed when ``write`` fails; ``path`` is then untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _fsync(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def temporary_sibling_dir(target: str | os.PathLike, prefix: str = ".build-") -> Iterator[Path]:
    """A fresh folder next to ``target`` (same file system), removed on exit."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}{target.name}-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~current_umask())
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replace_files(source_dir: str | os.PathLike, target_dir: str | os.PathLike, names) -> None:
    """Move ``names`` from ``source_dir`` into ``target_dir``, one ``os.replace`` each, in order.

    Put the file that marks a complete set (e.g. a manifest) last.
    """
    source_dir, target_dir = Path(source_dir), Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.replace(source_dir / name, target_dir / name)


def swap_directory(new: str | os.PathLike, target: str | os.PathLike) -> None:
    """Replace folder ``target`` by folder ``new`` (same parent file system).

    ``target`` is renamed aside, ``new`` renamed into place, and the old folder deleted;
    if the second rename fails the old folder is put back.
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)

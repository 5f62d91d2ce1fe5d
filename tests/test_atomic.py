"""Atomic writes leave readable files: the user's umask decides, not tempfile's 0600."""

from __future__ import annotations

import os
import stat

import pytest

from vpanalysis import atomic


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_written_file_has_the_umask_mode(tmp_path, umask_022):
    path = atomic.write_text(tmp_path / "report.html", "<p>hej</p>")
    assert path.read_text(encoding="utf-8") == "<p>hej</p>"
    assert mode(path) == 0o644
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert mode(path) == mode(plain)


def test_a_stricter_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        path = atomic.write_bytes(tmp_path / "x.bin", b"1")
    finally:
        os.umask(old)
    assert mode(path) == 0o600


def test_swapped_directory_is_readable(tmp_path, umask_022):
    target = tmp_path / "hamtat"
    with atomic.temporary_sibling_dir(target) as tmp:
        (tmp / "a.json").write_text("{}")
        new = tmp / "new"
        new.mkdir()
        atomic.swap_directory(tmp, target)
    assert mode(target) == 0o755


def test_failed_write_leaves_the_old_file(tmp_path):
    path = atomic.write_text(tmp_path / "x.txt", "old")

    def boom(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic.atomic_write_with(path, boom)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]

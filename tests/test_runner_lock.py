"""The lock files pin exactly what pyproject.toml and environment.yml name, within their bounds.

``requirements.lock`` (what ``make reports`` installs) holds the runtime dependencies and
theirs; ``requirements-dev.lock`` (what ``make test`` installs) those and the development
extras with theirs, at the same versions. Both are ``uv pip compile`` output, which pip can
install too; ``make lock`` writes them. The dependencies of each package are read from the
installed metadata, so the test also checks that this environment is the locked one.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, Version]:
    """``name==version`` lines of a lock file (comments and options skipped)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)==([^\s;\\]+)", line)
        if m:
            assert canonical(m.group(1)) not in found, f"{path.name}: {m.group(1)} twice"
            found[canonical(m.group(1))] = Version(m.group(2))
    return found


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def runtime_requirements() -> list[Requirement]:
    return [Requirement(r) for r in project()["dependencies"]]


def dev_requirements() -> list[Requirement]:
    return [Requirement(r) for r in project()["optional-dependencies"]["dev"]]


def conda_requirements() -> list[tuple[str, SpecifierSet]]:
    """environment.yml's packages and their bounds (python and pip left out)."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    items = []
    for item in env["dependencies"]:
        for text in item["pip"] if isinstance(item, dict) else [item]:
            if text.startswith("-e"):
                continue
            m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", text)
            if canonical(m.group(1)) not in ("python", "pip"):
                items.append((canonical(m.group(1)), SpecifierSet(m.group(2).replace(" ", ""))))
    return items


def closure(requirements: list[Requirement]) -> set[str]:
    """The packages ``requirements`` need on this interpreter, dependencies of dependencies
    included (from the installed metadata; markers evaluated here, with their extras)."""
    needed: dict[str, set[str]] = {}
    todo = [(r, "") for r in requirements]
    while todo:
        req, parent_extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": parent_extra}):
            continue
        name = canonical(req.name)
        extras = set(req.extras)
        if name in needed and extras <= needed[name]:
            continue
        needed.setdefault(name, set()).update(extras)
        try:
            requires = md.requires(req.name) or []
        except md.PackageNotFoundError:
            pytest.fail(f"{req.name} is needed but not installed here")
        for text in requires:
            dep = Requirement(text)
            for extra in {""} | extras:
                todo.append((dep, extra))
    return set(needed)


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [(LOCK, runtime_requirements), (DEV_LOCK, lambda: runtime_requirements() + dev_requirements())],
    ids=["runtime", "dev"],
)
def test_lock_pins_exactly_the_named_packages_and_their_dependencies(lock, requirements):
    pinned = pins(lock)
    wanted = requirements()
    for req in wanted:
        name = canonical(req.name)
        assert name in pinned, f"{lock.name} does not pin {req.name} (run `make lock`)"
        assert req.specifier.contains(pinned[name], prereleases=True), (
            f"{lock.name} pins {req.name}=={pinned[name]}, outside pyproject.toml's {req}"
        )
    needed = closure(wanted)
    assert set(pinned) == needed, (
        f"{lock.name}: not needed {sorted(set(pinned) - needed)}, "
        f"missing {sorted(needed - set(pinned))} (run `make lock`)"
    )


def test_dev_lock_agrees_with_the_runtime_lock_and_environment_yml():
    runtime, dev = pins(LOCK), pins(DEV_LOCK)
    assert {name: dev.get(name) for name in runtime} == runtime
    for name, spec in conda_requirements():
        assert name in dev, f"environment.yml names {name}, {DEV_LOCK.name} does not pin it"
        assert spec.contains(dev[name], prereleases=True), (
            f"{DEV_LOCK.name} pins {name}=={dev[name]}, outside environment.yml's {spec}"
        )


def test_this_environment_is_the_locked_one():
    """The tests run on the locked versions (``make test`` installs the dev lock)."""
    wrong = {}
    for name, version in pins(DEV_LOCK).items():
        try:
            installed = Version(md.version(name))
        except md.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (str(version), str(installed))
    assert not wrong, f"locked vs installed: {wrong}"


def test_make_installs_from_the_locks_and_reports_without_the_dev_extras():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(call uv_or_pip,$(LOCK),.)" in makefile
    assert "$(call uv_or_pip,$(DEV_LOCK),.[dev])" in makefile
    assert re.search(r"^reports: data$", makefile, re.M)
    assert re.search(r"^data: install$", makefile, re.M)
    assert re.search(r"^lock:", makefile, re.M)

"""environment.yml (conda, for analysts) and pyproject.toml list the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name_and_spec(requirement: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert m, requirement
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = dict(
        _name_and_spec(r) for r in project["dependencies"] + extras["lab"] + extras["dev"]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = {}
    for item in env["dependencies"]:
        if isinstance(item, dict):  # the pip: section
            for r in item["pip"]:
                if not r.startswith("-e"):
                    name, spec = _name_and_spec(r)
                    listed[name] = spec
        else:
            name, spec = _name_and_spec(item)
            if name not in ("python", "pip"):
                listed[name] = spec
    assert listed == wanted


def test_python_requirement_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert f"python{project['requires-python']}" in env["dependencies"]

"""Build hook: the wheel carries the files a new workspace starts from.

They live in the repository's example workspace (``data/raw``, see
``vpanalysis.config.RESOURCE_FILES``) and are copied into ``vpanalysis/resources`` of the
built package, so that ``pip install .`` (not editable) ships them. An editable install
reads them from the checkout instead. Everything else is configured in pyproject.toml.
"""

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def resource_files() -> tuple[str, ...]:
    """``RESOURCE_FILES`` of vpanalysis/config.py, read without importing the package."""
    tree = ast.parse((HERE / "vpanalysis" / "config.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RESOURCE_FILES":
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("RESOURCE_FILES not found in vpanalysis/config.py")


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "vpanalysis" / "resources"
        for name in resource_files():
            source = HERE / "data" / "raw" / name
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)


setup(cmdclass={"build_py": BuildWithResources})

"""Sphinx configuration of the vpanalysis documentation (built offline, warnings as errors).

Build it with ``make docs`` (``sphinx-build -W --keep-going -b html docs docs/_build/html``).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the package of this source tree
sys.path.insert(0, str(HERE / "_ext"))  # vpdocs: tables generated from the code

from vpanalysis import __version__  # noqa: E402

project = "vpanalysis"
author = "the vpanalysis contributors"
copyright = "the vpanalysis contributors, MIT licence"
version = release = __version__
language = "en"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "vpdocs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# The docstrings are plain reST with :func:/:class: roles. sphinx.ext.napoleon is left
# out on purpose: no docstring uses Google/NumPy sections, and napoleon reads the first
# line of a constant's or property's docstring as "type: description", so
# "#: The five handbook steps: step number -> name" would show "The five handbook steps"
# as a type. No intersphinx either: the build must not use the network.
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

html_theme = "alabaster"
html_title = f"vpanalysis {release}"
html_theme_options = {
    "description": "Data-based violence prevention for Swedish municipalities",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_static_path = []

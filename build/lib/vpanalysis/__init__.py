"""vpanalysis: data-based violence prevention for Swedish municipalities.

The library behind the notebooks of the five steps of *Inget att vänta på*:
readers and cleaning for each source, indicators with confidence intervals,
disclosure control, charts and the report runner.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vpanalysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

"""Serve plotly.js from the installed `plotly` package as the static file `plotly/plotly.min.js`.

The dashboards draw with the plotly.js that ships inside the Python package, so the chart code and
the figures' JSON always match, and nothing comes from a CDN. A staticfiles finder rather than a
copy in static/ keeps 4.6 MB of minified JavaScript out of the repository; `collectstatic` and
WhiteNoise (which uses the finders) find it like any other static file.
"""

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "plotly/plotly.min.js"
PACKAGE_DATA = Path(plotly.__file__).parent / "package_data"


class PlotlyJsFinder(BaseFinder):
    """Finds the one file `plotly/plotly.min.js` in the plotly package's data."""

    storage = FileSystemStorage(location=str(PACKAGE_DATA), base_url="/static/plotly/")

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path != PLOTLY_JS:
            return [] if find_all else ""
        found = str(PACKAGE_DATA / "plotly.min.js")
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Any:
        del ignore_patterns  # one file, which no pattern ignores
        storage = FileSystemStorage(location=str(PACKAGE_DATA))
        storage.prefix = "plotly"  # type: ignore[attr-defined]
        yield "plotly.min.js", storage

"""Display helpers for the report notebooks: tables, key figures, captions, banner, footer.

Every helper returns an IPython display object (or HTML string) so that notebooks stay
thin: ``display(report.table(...))``. Numbers are formatted the Swedish way (decimal
comma, space as thousands separator); suppressed values show as ``..`` (SCB's sign for
"not available or too uncertain to publish").
"""

from __future__ import annotations

import html
import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from vpanalysis import catalogue
from vpanalysis.config import DISCLOSURE_THRESHOLD, LOCAL_SOURCES
from vpanalysis.errors import DisclosureError
from vpanalysis.presentation.provenance import (  # noqa: F401 - part of report's API
    GAPS_CLASS,
    INSTRUCTIONS,
    NEEDS,
    SOURCE_LABELS,
    SUPPRESSED,
    banner,
    example_sources,
    get_started,
    need_name,
    provenance,
    registers_are_example,
)
from vpanalysis.publication import keys


def setup() -> None:
    """Set up a report kernel: inline figures, the report style, no warnings in the output."""
    import matplotlib
    import seaborn as sns

    warnings.filterwarnings("ignore")
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (8, 4)})
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind")
    pd.set_option("display.max_rows", 200)


def _html(markup: str):
    from IPython.display import HTML

    return HTML(markup)


# ---------------------------------------------------------------- number formatting


def number(value: object, decimals: int = 0) -> str:
    """Swedish number format: ``12 345,6``; missing or suppressed gives ``..``."""
    if value is None or value is pd.NA:
        return SUPPRESSED
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return html.escape(str(value))
    if math.isnan(x):
        return SUPPRESSED
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def interval(lower: object, upper: object, decimals: int = 1) -> str:
    """A confidence interval as ``12,3–45,6``."""
    lo, up = number(lower, decimals), number(upper, decimals)
    if SUPPRESSED in (lo, up):
        return SUPPRESSED
    return f"{lo}–{up}"


# ---------------------------------------------------------------- disclosure safety net


def check_disclosure(
    frame: pd.DataFrame, count_columns: Iterable[str], threshold: int = DISCLOSURE_THRESHOLD
) -> None:
    """Raise :class:`~vpanalysis.errors.DisclosureError` if a count is in 1..threshold-1.

    The last line of defence before a local-source table reaches a report; the
    suppression itself is done by :mod:`vpanalysis.disclosure`.
    """
    for column in count_columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        small = values[(values >= 1) & (values < threshold)]
        if len(small):
            raise DisclosureError(
                f"column {column!r} holds {len(small)} count(s) of persons under {threshold}; "
                "protect the table with vpanalysis.disclosure before publishing it"
            )


# ---------------------------------------------------------------- building blocks


def _is_year_column(name: object) -> bool:
    """Years are printed without a thousands separator (``2024``, not ``2 024``)."""
    text = str(name).strip().lower()
    return text in ("år", "year") or text.endswith("år") and " " not in text


#: Narrowest width of a table (characters: the longest word of each column plus two for the
#: cell padding) above which it gets the compact layout. Measured in headless Chromium, a
#: character is about 7.5 px at 13 px type: a 1 200 px window holds 124 (A4 at 9 px, 143);
#: the compact layout holds about 150.
WIDE_TABLE_CHARS = 120


def _longest_word(text: object) -> int:
    """Length of the longest piece of ``text`` a browser cannot break (no-break spaces hold)."""
    words = re.split(r"[ \t\n]+|(?<=[-\u2013/])", str(text))
    return max((len(w) for w in words), default=0)


def _layout_classes(shown: pd.DataFrame, index: bool) -> list[str]:
    """The table's classes: ``vp-table``, plus for a table too wide for the page in the
    normal style ``vp-matrix`` (a grid of marks such as ✓: headers turned upright) and/or
    ``vp-wide`` (smaller type, tighter cells), estimated from the longest word per column."""
    frame = shown.reset_index() if index else shown
    columns = range(frame.shape[1])
    header = [_longest_word(name) for name in frame.columns]
    cells = [max(map(_longest_word, frame.iloc[:, i]), default=0) for i in columns]
    widths = [max(h, c) + 2 for h, c in zip(header, cells, strict=True)]
    classes = ["vp-table"]
    if sum(widths) <= WIDE_TABLE_CHARS:
        return classes
    marks = [max(map(len, frame.iloc[:, i].astype(str)), default=0) for i in columns]
    if len(marks) >= 5 and max(marks[1:]) <= 3:
        classes.append("vp-matrix")
        widths = widths[:1] + [max(m, 2) + 2 for m in marks[1:]]
    if sum(widths) > WIDE_TABLE_CHARS:
        classes.append("vp-wide")
    return classes


def table(
    frame: pd.DataFrame,
    caption: str | None = None,
    *,
    decimals: int | Mapping[str, int] = 1,
    source: str | None = None,
    local: bool = False,
    count_columns: Sequence[str] = (),
    threshold: int = DISCLOSURE_THRESHOLD,
    index: bool = False,
    if_empty=None,
    marks: pd.DataFrame | None = None,
):
    """A formatted HTML table. ``local=True`` checks ``count_columns`` for small counts.

    ``marks`` (same shape and labels as ``frame``) lists per cell the publication cells it
    shows (a list of :func:`vpanalysis.publication.keys.cell` dicts, or ``None``); such a
    cell is wrapped in a ``data-vp-cells`` element (:func:`marked`) for the audit.

    A table too wide for the page in the normal style gets a compact layout (classes
    ``vp-wide`` and ``vp-matrix`` in ``report.css``), so no column is cut off on screen or
    on A4.

    ``if_empty`` (e.g. ``ctx.missing("Partnerregistret")``) is shown instead of an empty
    table.
    """
    if if_empty is not None and frame.empty:
        return if_empty
    if local:
        check_disclosure(frame, count_columns, threshold)
    shown = frame if index else frame.reset_index(drop=True)
    shown = shown.copy()
    for column in shown.columns:
        series = shown[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            d = decimals.get(column, 1) if isinstance(decimals, Mapping) else decimals
            if column in count_columns or pd.api.types.is_integer_dtype(series):
                d = 0
            if _is_year_column(column):
                shown[column] = [SUPPRESSED if pd.isna(v) else str(int(v)) for v in series]
                continue
            shown[column] = [number(v, d) for v in series]
        else:
            shown[column] = series.astype("object").where(series.notna(), SUPPRESSED)
    classes = _layout_classes(shown, index)  # of the text shown, before the marks' tokens
    tokens: dict[str, str] = {}
    if marks is not None:
        marks = marks if index else marks.reset_index(drop=True)
        for j, column in enumerate(shown.columns):
            if column not in marks.columns:
                continue
            for i in range(len(shown)):
                cells = marks[column].iloc[i]
                if cells:
                    token = f"VPMARK{len(tokens)}X"
                    tokens[token] = marked(str(shown.iat[i, j]), cells)
                    shown.iat[i, j] = token
    body = shown.to_html(index=index, escape=True, border=0, classes=classes)
    for token, markup in tokens.items():
        body = body.replace(token, markup, 1)
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    note = f'<p class="vp-note">Källa: {html.escape(source)}</p>' if source else ""
    if local:
        # Marked so that tests (and reviewers) can check every local-source table.
        columns = html.escape("|".join(map(str, count_columns)), quote=True)
        return _html(
            f'<div class="vp-local" data-threshold="{int(threshold)}" '
            f'data-count-columns="{columns}">{body}{note}</div>'
        )
    return _html(body + note)


def marked(text: str, cells) -> str:
    """``text`` (already formatted) wrapped in an element listing the ``cells`` it shows."""
    payload = html.escape(json.dumps(list(cells), ensure_ascii=False), quote=True)
    return f'<span class="vp-cell" {keys.CELLS_ATTRIBUTE}="{payload}">{html.escape(text)}</span>'


def chart_cells(cells) -> str:
    """The JSON element that lists the publication cells a chart draws (for the audit)."""
    payload = json.dumps(list(cells), ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" class="{keys.CHART_CELLS_CLASS}">{payload}</script>'


def caption(what: str, how: str):
    """The caption under a chart: what it shows and how to read it."""
    return _html(
        '<div class="vp-caption">'
        f"<strong>Vad visar diagrammet?</strong> {html.escape(what)}<br>"
        f"<strong>Så läser du det:</strong> {html.escape(how)}</div>"
    )


def key_figures(items: Sequence[tuple], if_empty=None):
    """A row of key-figure cards: ``[(label, formatted value), ...]`` (``if_empty`` when none).

    An item may add the publication cells its value shows, ``(label, value, cells)``: the
    value is then wrapped in a ``data-vp-cells`` element (:func:`marked`).
    """
    if not items and if_empty is not None:
        return if_empty
    cards = []
    for label, value, *rest in items:
        cells = rest[0] if rest else None
        shown = marked(value, cells) if cells else html.escape(value)
        cards.append(
            '<div class="vp-keyfigure">'
            f'<div class="vp-kf-value">{shown}</div>'
            f'<div class="vp-kf-label">{html.escape(label)}</div></div>'
        )
    return _html(f'<div class="vp-keyfigures">{"".join(cards)}</div>')


def _needs(needs: str | Iterable[str] | None) -> list[str]:
    if not needs:
        return []
    return [needs] if isinstance(needs, str) else list(dict.fromkeys(needs))


def missing_markup(
    what: str,
    region: str,
    needs: str | Iterable[str] | None = None,
    *,
    why: str | None = None,
    means: str | None = None,
    explained: Iterable[str] = (),
) -> str:
    """The HTML of a "missing data" notice (see :func:`missing`); the "Kom igång" text
    of the ``needs`` already ``explained`` higher up on the page is not repeated."""
    keys = _needs(needs)
    why = why or "finns inte i underlaget."
    means = means or "Avsnittet kan därför inte visas."
    new = [k for k in keys if k not in set(explained)]
    start = ""
    if new:
        start = f"<br><strong>Kom igång:</strong> {html.escape(get_started(new))}"
    elif keys:
        start = "<br><strong>Kom igång:</strong> se ovan."
    data = html.escape(json.dumps(keys), quote=True)
    return (
        f'<div class="vp-missing" data-vp-needs="{data}"><strong>Uppgifter saknas för '
        f"{html.escape(region)}</strong>: {html.escape(what)} {html.escape(why)} "
        f"{html.escape(means)}{start}</div>"
    )


def missing_again_markup(
    what: str, region: str, needs: str | Iterable[str] | None = None, *, means: str | None = None
) -> str:
    """The HTML of a "missing data" notice already shown higher up on the page: it refers
    back to it instead of repeating it (:class:`Gap`); ``means`` as in
    :func:`missing_markup`."""
    data = html.escape(json.dumps(_needs(needs)), quote=True)
    means = means or "Avsnittet kan därför inte visas."
    return (
        f'<div class="vp-missing vp-missing-again" data-vp-needs="{data}">'
        f"<strong>{html.escape(what)} saknas för {html.escape(region)}</strong>, se ovan. "
        f"{html.escape(means)}</div>"
    )


def missing(
    what: str,
    region: str,
    needs: str | Iterable[str] | None = None,
    *,
    why: str | None = None,
    means: str | None = None,
):
    """The section text when a register or source has no data for the municipality.

    ``what`` names what is missing (Swedish, in words); ``needs`` the keys of
    :data:`~vpanalysis.presentation.provenance.NEEDS` to supply (the notice then says how
    to get started and points to the workspace's instructions); ``why`` replaces "finns
    inte i underlaget." (e.g. "finns bara för 2023."), ``means`` what that means for the
    section (default: it cannot be shown).
    """
    return _html(missing_markup(what, region, needs, why=why, means=means))


class Gap:
    """A "missing data" notice that records itself in its :class:`Page` when shown.

    Built by :meth:`Page.missing`. A notice passed as ``if_empty`` but never shown (the
    table had rows) is not recorded, so the footer lists only the sections really shown
    without their data. The "Kom igång" text of a register or source is given the first
    time it is shown on the page; later notices refer to it. A notice already shown on the
    page (the same ``what`` and ``why``) is not repeated: the later one refers back to it
    (:func:`missing_again_markup`).
    """

    def __init__(self, page: Page, what: str, needs: list[str], why, means):
        self.page, self.what, self.needs, self.why, self.means = page, what, needs, why, means
        self._markup: str | None = None

    @property
    def data(self) -> str:
        if self._markup is None:
            page = self.page
            key = (self.what, self.why)
            if key in page.notices:
                self._markup = missing_again_markup(
                    self.what, page.name, self.needs, means=self.means
                )
            else:
                self._markup = missing_markup(
                    self.what,
                    page.name,
                    self.needs,
                    why=self.why,
                    means=self.means,
                    explained=page.explained,
                )
            page.notices.add(key)
            page.explained.update(self.needs)
            entry = {"what": self.what, "needs": self.needs}
            if entry not in page.gaps:
                page.gaps.append(entry)
        return self._markup

    def _repr_html_(self) -> str:
        return self.data


def nothing():
    """An empty display: ``if_empty`` of a table whose section has already said what is
    missing (one notice per section)."""
    return _html("")


def guide(text: str, when: object):
    """A reading guide ("Så läser du tabellen: …") under a section's heading, shown only
    when the section is: ``when`` is the section's table (shown when it has rows) or a
    bool. ``**…**`` marks bold words; a leading "Så läser du …:" is set in italics."""
    shown = not when.empty if isinstance(when, pd.DataFrame) else bool(when)
    if not shown:
        return _html("")
    body = html.escape(text, quote=False)
    body = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", body)
    body = re.sub(r"^(Så läser du [^:]{1,40}:)", r"<em>\1</em>", body)
    return _html(f'<p class="vp-guide">{body}</p>')


def quote(text: str, source: str = ""):
    """A quoted definition or statement, with its source underneath."""
    cite = f'<footer class="vp-note">{html.escape(source)}</footer>' if source else ""
    return _html(f'<blockquote class="vp-quote"><p>{html.escape(text)}</p>{cite}</blockquote>')


def notice(messages: Iterable[str], ok: str):
    """A warning box listing ``messages``, or a short confirmation ``ok`` when there are none."""
    items = [m for m in messages if m]
    if not items:
        return _html(f'<div class="vp-ok">{html.escape(ok)}</div>')
    lis = "".join(f"<li>{html.escape(m)}</li>" for m in items)
    return _html(f'<div class="vp-warning"><ul>{lis}</ul></div>')


def summary(messages: Iterable[str], title: str, empty: str):
    """A framed box of key messages that prints as one page (``empty`` when none)."""
    items = [m for m in messages if m]
    body = (
        "<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in items) + "</ul>"
        if items
        else f"<p>{html.escape(empty)}</p>"
    )
    return _html(
        '<div class="vp-summary" style="border: 2px solid #0a3069; border-radius: 6px; '
        "padding: .6rem 1.2rem; margin: .8rem 0; break-before: page; break-inside: avoid; "
        f'page-break-before: always; page-break-inside: avoid"><strong>{html.escape(title)}'
        f"</strong>{body}</div>"
    )


def toc_placeholder():
    """Where the runner inserts the table of contents (after the title)."""
    return _html('<div class="vp-toc-placeholder"></div>')


def markdown(text: str):
    """Markdown computed from data (a heading with the municipality's name, a message)."""
    from IPython.display import Markdown

    return Markdown(text)


# ---------------------------------------------------------------- the report context


@dataclass
class Page:
    """The Swedish frame of one report: title, banner, "missing" notices and footer.

    Built from the report's :class:`vpanalysis.context.Context` and its catalogue id
    (:mod:`vpanalysis.catalogue`)::

        page = report.Page(ctx, 2)
        display(page.header(["bra", "scb"]))
    """

    context: object
    report_id: int
    #: The sections shown without their register or source, in order:
    #: ``{"what": ..., "needs": [keys of NEEDS]}`` (see :meth:`missing`).
    gaps: list = field(default_factory=list)
    #: The registers and sources whose "Kom igång" text the page has shown.
    explained: set = field(default_factory=set)
    #: The "missing data" notices the page has shown, as ``(what, why)``: a second one
    #: refers back to the first (:class:`Gap`).
    notices: set = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.context.name

    def header(self, used: Iterable[str], *, regions: Iterable[str] | None = None):
        """Title, example-data banner and table-of-contents placeholder of a report.

        ``used`` lists the data sources the report rests on (keys of the manifest, and
        ``"registers"`` for a report that shows the registers, or the key of one register
        such as ``"goals"``), filtered by :meth:`with_data`: the banner names only the
        sources with data here (registers when any of their rows shown is an example row);
        ``regions`` as in :meth:`with_data`.
        """
        used = self.with_data(used, regions=regions)
        regs = getattr(self.context, "registers", None)
        extra = []
        if regs is not None and "registers" in used and registers_are_example(regs):
            extra.append("registers")
        if regs is not None and "factors" in used and _example_rows(regs.factors):
            extra.append("factors")
        title = f"{catalogue.get(self.report_id).title} – {self.name}"
        return _html(
            f'<h1 class="vp-title">{html.escape(title)}</h1>'
            + banner(self.context.manifest, used=used, extra=extra).data
            + '<div class="vp-toc-placeholder"></div>'
        )

    def with_data(self, used: Iterable[str], *, regions: Iterable[str] | None = None) -> list[str]:
        """``used`` without what has no data for this municipality, so that the banner and
        the footer list only what a figure of the report rests on.

        A local source (:data:`~vpanalysis.config.LOCAL_SOURCES`) is left out when the
        manifest's regions of it lack the municipality (or, with ``regions``, every one of
        the municipalities whose values the report shows, as in the comparison report).
        ``"registers"`` stays only when the municipality has rows of its own in a register;
        without them it becomes
        ``"factors"`` (the factor catalogue, shared by the collaboration) when the catalogue
        has rows. The key of one register (``"goals"``, ``"training_log"``, a field of
        :class:`vpanalysis.registers.Registers`) stands for ``"registers"`` when that
        register has rows here and is left out otherwise.
        """
        sources = self.context.manifest.get("sources", {})
        shown = set(regions) if regions is not None else {self.context.municipality_code}
        regs = getattr(self.context, "registers", None)
        out = []
        for name in used:
            held = sources.get(name, {}).get("regions")
            if name in LOCAL_SOURCES and held is not None and not shown & set(held):
                continue
            if regs is not None and name in _register_names(regs) and name != "factors":
                if _has_rows(getattr(regs, name)):
                    out.append("registers")
                continue
            if name == "registers" and regs is not None:
                own = [n for n in _register_names(regs) if n != "factors"]
                if any(_has_rows(getattr(regs, n)) for n in own):
                    out.append("registers")
                elif _has_rows(regs.factors):
                    out.append("factors")
                continue
            if name == "factors" and regs is not None and not _has_rows(regs.factors):
                continue
            out.append(name)
        return list(dict.fromkeys(out))

    def missing(
        self,
        what: str,
        needs: str | Iterable[str] | None = None,
        *,
        why: str | None = None,
        means: str | None = None,
    ) -> Gap:
        """The "Uppgifter saknas för <kommun>" notice for a register or source without data
        here (arguments as :func:`missing`); recorded in :attr:`gaps` when displayed."""
        return Gap(self, what, _needs(needs), why, means)

    def gap_names(self) -> list[str]:
        """What the shown sections lacked, in words, each once (:attr:`gaps`)."""
        names = []
        for gap in self.gaps:
            names += [need_name(k) for k in gap["needs"]] or [gap["what"]]
        return list(dict.fromkeys(names))

    def footer(self, used: Iterable[str], *, regions: Iterable[str] | None = None):
        """The provenance footer for the sources in ``used`` (filtered by
        :meth:`with_data`, with ``regions``), with the list of what the report's sections
        lacked (:attr:`gaps`) as text and as a JSON element for the runner's index page."""
        foot = provenance(self.context.manifest, self.with_data(used, regions=regions)).data
        names = self.gap_names()
        if names:
            foot += (
                '<div class="vp-incomplete"><strong>Rapporten är ofullständig.</strong> '
                f"Uppgifter saknas: {html.escape(', '.join(names))}. "
                "Arbetsytans instruktioner visar hur de tas fram.</div>"
            )
        payload = json.dumps({"missing": names, "gaps": self.gaps}, ensure_ascii=False).replace(
            "</", "<\\/"
        )
        foot += f'<script type="application/json" class="{GAPS_CLASS}">{payload}</script>'
        return _html(foot)


def _register_names(regs) -> list[str]:
    """The register tables of ``regs`` (:class:`vpanalysis.registers.Registers`)."""
    from dataclasses import fields as dc_fields

    return [f.name for f in dc_fields(regs) if isinstance(getattr(regs, f.name), pd.DataFrame)]


def _has_rows(table) -> bool:
    return isinstance(table, pd.DataFrame) and not table.empty


def _example_rows(table) -> bool:
    """Whether any row of a register ``table`` is marked as an example row."""
    return (
        _has_rows(table)
        and "example" in table.columns
        and bool(table["example"].fillna(False).astype(bool).any())
    )


def chart(fig, what: str, how: str, *, alt: str | None = None, cells=None):
    """A chart as an embedded PNG with its caption (what it shows, how to read it).

    The image is embedded as a data URI, so the report needs no image files and opens
    offline; the alt text (default: ``what``) describes it for screen readers. ``cells``
    lists the publication cells the chart draws (:func:`chart_cells`), for the audit.
    """
    import base64
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt_text = html.escape(alt or what, quote=True)
    figure = (
        f'<figure class="vp-figure"><img src="data:image/png;base64,{data}" alt="{alt_text}">'
        "</figure>"
    )
    data_cells = chart_cells(cells) if cells else ""
    return _html(figure + data_cells + caption(what, how).data)

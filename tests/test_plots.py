"""One look for every chart: a region has the same colour and legend order everywhere.

The colours are read back from the matplotlib figures (lines, bars, legend entries), so
the tests check what a reader sees, not what the code meant to draw.
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from chart_support import assert_nothing_overlaps

from vpanalysis import geography, plots
from vpanalysis.presentation import style

FOCUS = geography.region_name("2161")  # Ljusdal
COUNTY = geography.region_name("0021")  # Gävleborgs län
SWEDEN = geography.region_name("0000")  # Riket
OTHERS = [geography.region_name(c) for c in ("2183", "2181")]  # Bollnäs, Sandviken
#: Deliberately not in legend order: the charts must sort them.
REGIONS = [SWEDEN, OTHERS[1], COUNTY, FOCUS, OTHERS[0]]
LEGEND_ORDER = [FOCUS, "Bollnäs", "Sandviken", COUNTY, SWEDEN]


def _hex(colour) -> str:
    return mcolors.to_hex(colour)


def _series(regions=REGIONS, panels=("Misshandel", "Rån")) -> pd.DataFrame:
    rows = [
        {"region": r, "category": p, "year": y, "value": 100.0 + i + y % 7, "lower": 90.0,
         "upper": 120.0}
        for i, r in enumerate(regions)
        for p in panels
        for y in range(2018, 2023)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _legend(legend) -> list[tuple[str, str]]:
    """(label, colour) of every legend entry, in legend order."""
    labels = [t.get_text() for t in legend.get_texts()]
    colours = [  # a line's colour, or a bar's fill
        _hex(h.get_color() if hasattr(h, "get_color") else h.get_facecolor())
        for h in legend.legend_handles
    ]
    return list(zip(labels, colours, strict=True))


def _trend_legend() -> list[tuple[str, str]]:
    fig = plots.trend(_series(panels=("Misshandel",)), focus=FOCUS)
    return _legend(fig.axes[0].get_legend())


def _multiples_legend() -> list[tuple[str, str]]:
    fig = plots.small_multiples(_series(), panel="category", focus=FOCUS)
    return _legend(fig.legends[0])


def _bars_legend() -> list[tuple[str, str]]:
    d = _series(panels=("Misshandel", "Rån"))
    d = d[d["year"] == 2022]
    fig = plots.bars(d, category="category", hue="region", focus=FOCUS)
    return _legend(fig.axes[0].get_legend())


def test_role_of_infers_the_role_from_the_label():
    assert style.role_of(FOCUS, focus=FOCUS) == style.FOCUS
    assert style.role_of(COUNTY, focus=FOCUS) == style.COUNTY
    assert style.role_of(geography.region_name("0001"), focus=FOCUS) == style.COUNTY
    assert style.role_of(SWEDEN, focus=FOCUS) == style.SWEDEN
    assert style.role_of("Bollnäs", focus=FOCUS) == style.COLLABORATING
    assert style.role_of(FOCUS) == style.COLLABORATING  # no focus given


def test_region_order_is_focus_collaborating_county_sweden():
    assert style.region_order(REGIONS, focus=FOCUS) == LEGEND_ORDER
    assert style.region_order(REGIONS + REGIONS, focus=FOCUS) == LEGEND_ORDER  # no duplicates
    # å, ä and ö sort after z
    assert style.region_order(["Östhammar", "Älvkarleby", "Åre", "Zeta"]) == [
        "Zeta",
        "Åre",
        "Älvkarleby",
        "Östhammar",
    ]


def test_region_colours_follow_the_roles_and_are_distinct():
    colours = style.region_colours(REGIONS, focus=FOCUS)
    assert colours[FOCUS] == style.ROLE_COLOURS[style.FOCUS]
    assert colours[COUNTY] == style.ROLE_COLOURS[style.COUNTY]
    assert colours[SWEDEN] == style.ROLE_COLOURS[style.SWEDEN]
    assert [colours[o] for o in ("Bollnäs", "Sandviken")] == list(style.COLLABORATING_COLOURS[:2])
    assert len(set(colours.values())) == len(colours)
    # the order the data comes in does not matter
    assert style.region_colours(list(reversed(REGIONS)), focus=FOCUS) == colours


def test_trend_draws_every_region_in_its_role_colour_and_legend_order():
    legend = _trend_legend()
    assert [label for label, _ in legend] == LEGEND_ORDER
    colours = dict(legend)
    assert colours[FOCUS] == style.ROLE_COLOURS[style.FOCUS]
    assert colours[COUNTY] == style.ROLE_COLOURS[style.COUNTY]
    assert colours[SWEDEN] == style.ROLE_COLOURS[style.SWEDEN]
    fig = plots.trend(_series(panels=("Misshandel",)), focus=FOCUS)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert lines[FOCUS].get_linewidth() > lines["Bollnäs"].get_linewidth()
    assert lines[COUNTY].get_linestyle() != lines[SWEDEN].get_linestyle()  # not by colour alone
    assert {k: _hex(v.get_color()) for k, v in lines.items()} == colours


@pytest.mark.parametrize("other", [_multiples_legend, _bars_legend])
def test_same_region_same_colour_and_order_in_every_chart(other):
    assert other() == _trend_legend()


def test_a_subset_of_regions_keeps_the_role_colours():
    """Step 2's category panels show only the focus, the county and Sweden."""
    fig = plots.small_multiples(_series([SWEDEN, COUNTY, FOCUS]), panel="category", focus=FOCUS)
    assert _legend(fig.legends[0]) == [
        (FOCUS, style.ROLE_COLOURS[style.FOCUS]),
        (COUNTY, style.ROLE_COLOURS[style.COUNTY]),
        (SWEDEN, style.ROLE_COLOURS[style.SWEDEN]),
    ]


def test_bars_of_regions_without_hue_are_coloured_by_role():
    d = _series(panels=("Misshandel",))
    d = d[d["year"] == 2022]
    fig = plots.bars(d, category="region", focus=FOCUS)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == LEGEND_ORDER
    colours = [_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == list(style.region_colours(REGIONS, focus=FOCUS).values())


def test_bars_of_other_groups_keep_the_colourblind_palette():
    d = pd.DataFrame(
        {"q": ["A", "A", "B", "B"], "Kön": ["Tjejer", "Killar"] * 2, "value": [1.0, 2, 3, 4]}
    )
    legend = _legend(plots.bars(d, category="q", hue="Kön").axes[0].get_legend())
    assert [label for label, _ in legend] == ["Tjejer", "Killar"]  # as given


def test_funnel_marks_the_focus_in_its_role_colour():
    points = pd.DataFrame(
        {"region": [FOCUS, "Bollnäs", "Gävle"], "population": [1e4, 2e4, 1e5],
         "value": [50.0, 60.0, 55.0]}
    )  # fmt: skip
    limits = pd.DataFrame(
        {"population": [1e4, 1e5], "lower_95": [30.0, 45], "upper_95": [80.0, 65],
         "lower_998": [20.0, 40], "upper_998": [90.0, 70]}
    )  # fmt: skip
    fig = plots.funnel(points, limits, focus=FOCUS, baseline=55.0)
    colours = [_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections]
    assert colours[0] == style.ROLE_COLOURS[style.FOCUS]
    assert colours[1:] == [style.CONTEXT_COLOUR] * 2


# ---------------------------------------------------------------- ticks, titles, profile


def test_tick_decimals_follow_the_tick_step():
    assert plots.tick_decimals([0, 0.5, 1, 1.5]) == 1
    assert plots.tick_decimals([0, 0.25, 0.5]) == 2
    assert plots.tick_decimals([0, 200, 400]) == 0
    assert plots.tick_decimals([]) == 0
    formatter = plots.SwedishFormatter()
    formatter.set_locs([0, 0.5, 1.0, 1.5])
    assert [formatter(v) for v in (0, 0.5, 1.0, 1.5)] == ["0,0", "0,5", "1,0", "1,5"]
    formatter.set_locs([0, 1000, 2000])
    assert formatter(2000) == "2\u00a0000"
    formatter.set_locs([0, 0.25, 0.5])  # the decimals are those of the latest ticks
    assert formatter(0.5) == "0,50"
    formatter.set_locs([0, 1])
    assert formatter(1) == "1"


def test_small_panel_ticks_keep_their_decimals_and_titles_are_wrapped_not_cut():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    long = "Misshandel mot man 18 år eller äldre i nära relation"
    data = pd.DataFrame(
        {
            "category": ["Mord, dråp och misshandel med dödlig utgång"] * 4 + [long] * 4,
            "year": [2021, 2022, 2023, 2024] * 2,
            "region": FOCUS,
            "value": [0.3, 1.4, 0.0, 0.9, 200.0, 210.0, 190.0, 205.0],
        }
    )
    fig = plots.small_multiples(data, panel="category", focus=FOCUS, ncols=2)
    FigureCanvasAgg(fig).draw()
    first = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(set(first)) == len(first)  # 0 / 0,5 / 1 / 1,5 never read "0, 0, 1, 2"
    assert any("," in t for t in first)
    title = fig.axes[1].get_title(loc="left")
    assert title.replace("\n", " ") == long and "\n" in title


def test_profile_chart_one_common_scale_and_legend_says_red_and_green_are_sure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    data = pd.DataFrame(
        {
            "factor": ["Normer (risk)", "Maskulinitetsnormer (risk)", "Trygg vuxen (skydd)",
                       "Ekonomisk utsatthet (risk)"],
            "value": [40.5, 42.3, 82.2, 11.7],
            "comparator": [30.9, 40.2, 75.0, 10.5],
            "range_low": [29.0, 39.0, 74.0, 11.7],
            "range_high": [40.5, 42.3, 82.2, 11.7],  # the last: one comparator, no span
            "judgement": ["worse", "similar", "better", "worse"],
        }
    )  # fmt: skip
    fig = plots.spine(data)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    dots = [c.get_offsets()[0] for c in ax.collections]
    x = [float(d[0]) for d in dots]
    # the dots sit at the differences themselves: 9,6 and 2,1 are not drawn alike
    assert x == pytest.approx([9.6, 2.1, 7.2, 1.2])
    assert len(ax.patches) == 3  # no span drawn for a single comparator
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert "Sämre än jämförelsen (säker skillnad)" in texts
    assert "Bättre än jämförelsen (säker skillnad)" in texts
    assert legend.get_title().get_text() == "Röda och gröna punkter är säkra skillnader"
    assert "procentenheter" in ax.get_xlabel()


@pytest.mark.parametrize("ncols", [2, 3])
def test_small_multiples_labels_titles_and_legend_never_overlap(ncols):
    """The grid's margins are measured, not settled by a layout engine: every panel's
    ticks, labels and title stay clear of the other panels and of the legend, inside
    the figure, with two-line titles and wide tick labels (12 500)."""
    long = "Misshandel mot kvinna 18 år eller äldre i nära relation"
    names = [long, "Rån", "Olaga hot", "Mord, dråp och misshandel med dödlig utgång", "Ofredande"]
    data = pd.DataFrame(
        [
            {"category": n, "year": y, "region": r, "value": (12_500.0 if k % 2 else 3.5) + y % 3}
            for k, n in enumerate(names)
            for r in (FOCUS, COUNTY, SWEDEN)
            for y in range(2017, 2025)
        ]
    )
    fig = plots.small_multiples(
        data, panel="category", focus=FOCUS, ncols=ncols, ylabel="per 100 000", title="Rubrik"
    )
    assert_nothing_overlaps(fig)

"""Checks on drawn charts shared by the chart tests."""

from __future__ import annotations


def assert_nothing_overlaps(fig) -> None:
    """Draw ``fig`` and check that every visible panel (with its ticks, labels and
    title) stays inside the figure, clear of the other panels and of the legends."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    legends = [legend.get_window_extent(renderer) for legend in fig.legends]
    whole = fig.bbox
    for box in [*boxes, *legends]:
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1, "runs past the figure's side"
        assert whole.y0 <= box.y0 and box.y1 <= whole.y1, "runs past the figure's top or foot"
    for i, box in enumerate(boxes):
        for legend in legends:
            assert not box.overlaps(legend), f"panel {i} runs into the legend"
        for j, other in enumerate(boxes[i + 1 :], start=i + 1):
            assert not box.overlaps(other), f"panels {i} and {j} overlap"

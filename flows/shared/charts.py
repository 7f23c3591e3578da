"""Charts of the reports (the finance report, the effect report): matplotlib drawn as inline
SVG in the page (no scripts, no network), the same fonts and axes in both."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 10, "axes.spines.top": False})
    plt.rcParams.update({"axes.spines.right": False, "svg.hashsalt": "recall"})
    # Chinese labels: measured with a CJK font where the machine has one (the browser draws
    # the SVG's text with its own fonts either way)
    plt.rcParams["font.sans-serif"] = ["DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC"]
    return plt


def money_axis(axis: Any, nbins: int = 5) -> None:
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    axis.set_major_locator(MaxNLocator(nbins=nbins, min_n_ticks=2))
    axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def svg(figure: Figure) -> Markup:
    buffer = io.StringIO()
    with warnings.catch_warnings():  # no CJK font here: the layout is measured without it
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        warnings.filterwarnings("ignore", "findfont: Font family .* not found", UserWarning)
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    drawn = buffer.getvalue()
    return Markup(drawn[drawn.index("<svg") :])

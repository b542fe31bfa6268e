"""Draws the llm-mesh dashboard's panels (data from render-dashboard.ts: Prometheus range queries)
as one PNG, laid out as the Grafana dashboard is: two panels per row."""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

BACKGROUND = "#111217"
PANEL = "#181b1f"
TEXT = "#ccccdc"
GRID = "#2c3235"
COLORS = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#fade2a", "#37872d", "#c4162a"]


def formatter(unit):
    def fmt(value, _pos):
        if unit == "percentunit":
            return f"{value * 100:.1f}%"
        if unit == "ms":
            return f"{value:.0f} ms"
        if unit == "currencyUSD":
            return f"${value:.2f}"
        if abs(value) >= 1000:
            return f"{value / 1000:.1f}k"
        return f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return FuncFormatter(fmt)


def main(data_path, out_path):
    with open(data_path) as f:
        data = json.load(f)
    panels = data["panels"]
    rows = math.ceil(len(panels) / 2)
    fig, axes = plt.subplots(rows, 2, figsize=(16, 3.6 * rows), facecolor=BACKGROUND)
    fig.suptitle(data["title"], color=TEXT, fontsize=14, x=0.01, ha="left")
    for ax, panel in zip(axes.flat, panels):
        ax.set_facecolor(PANEL)
        ax.set_title(panel["title"], color=TEXT, fontsize=11, loc="left")
        for i, s in enumerate(sorted(panel["series"], key=lambda s: s["legend"])):
            xs = [v[0] for v in s["values"] if math.isfinite(v[1])]
            ys = [v[1] for v in s["values"] if math.isfinite(v[1])]
            if xs:
                ax.plot(xs, ys, color=COLORS[i % len(COLORS)], linewidth=1.6, label=s["legend"].replace("spiffe://cluster.local/", ""))
        ax.yaxis.set_major_formatter(formatter(panel["unit"]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}s"))
        ax.tick_params(colors=TEXT, labelsize=8)
        ax.grid(color=GRID, linewidth=0.6)
        for spine in ax.spines.values():
            spine.set_color(GRID)
        ax.set_ylim(bottom=0)
        if panel["series"]:
            ax.legend(loc="upper left", fontsize=7, facecolor=PANEL, edgecolor=GRID, labelcolor=TEXT, ncol=2)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(out_path, dpi=90, facecolor=BACKGROUND)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

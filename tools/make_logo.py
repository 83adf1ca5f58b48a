"""Draw the book's logo and favicon into _static/ with matplotlib (run by hand, rarely).

A tiny computational graph: three nodes joined by forward arrows, and one arrow curving
back from the last node to the first -- the backward pass. The PNGs are committed.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "_static"
BLUE, ORANGE, INK = "#2b6cb0", "#dd6b20", "#1a202c"


def draw(size_inches, dpi, path, label):
    fig = plt.figure(figsize=size_inches, dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 10)
    top = 10 * size_inches[1] / size_inches[0]
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.axis("off")
    y = 3.3 if label else 5.6
    xs = [1.6, 5.0, 8.4] if label else [2.2, 7.8]
    r = 1.05 if label else 1.9
    for x in xs:
        ax.add_patch(Circle((x, y), r, facecolor=BLUE, edgecolor=INK, linewidth=1.5))
    for a, b in zip(xs, xs[1:]):
        ax.add_patch(FancyArrowPatch((a + r + 0.05, y), (b - r - 0.05, y), arrowstyle="-|>",
                                     mutation_scale=18, color=INK, linewidth=2))
    ax.add_patch(FancyArrowPatch((xs[-1], y - r - 0.1), (xs[0], y - r - 0.1),
                                 connectionstyle="arc3,rad=-0.45", arrowstyle="-|>",
                                 mutation_scale=20, color=ORANGE, linewidth=3))
    if label:
        ax.text(5.0, top - 1.1, "backprop", ha="center", va="center", fontsize=30,
                fontweight="bold", color=INK)
    fig.savefig(path, transparent=True, metadata={"Software": None})
    plt.close(fig)


def main():
    STATIC.mkdir(exist_ok=True)
    draw((3.2, 2.2), 100, STATIC / "logo.png", label=True)
    draw((1.0, 1.0), 64, STATIC / "favicon.png", label=False)
    print("wrote _static/logo.png and _static/favicon.png")


if __name__ == "__main__":
    main()

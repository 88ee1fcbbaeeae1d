"""Plain-text tables of the ``dlspec`` subcommands."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["print_table"]


def print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    """Print ``rows`` under ``header`` in left-aligned columns, with a dashed rule.

    Example:
        >>> print_table([("c1w2-logreg", "C1W2")], ("lab", "week"))
        lab          week
        -----------  ----
        c1w2-logreg  C1W2
    """
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())

"""Error analysis (C3W2): tag misclassified dev examples, count, and bound what a fix can gain.

Take (about 100) misclassified dev examples, tag each with categories ("dog", "great cat",
"blurry", "incorrectly labelled", ...), and count. Fixing every example of a tag lowers the
error by at most ``error × (fraction of errors with the tag)``: with 10 % error and 5 of 100
errors on dogs, the best reachable error is 9.5 %; with 50 of 100, 5 %. The course's
spreadsheet always has an "incorrectly labelled" column: random label noise in training data
is tolerable, but fix dev and test labels together when it is a big share of the errors.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlspec.io import atomic_write_text
from dlspec.strategy.diagnosis import check_error_rate
from dlspec.viz import plot_image_grid

__all__ = ["MISLABELLED", "TagRow", "ErrorAnalysis", "error_analysis", "read_tags_csv"]

MISLABELLED = "incorrectly labelled"
_TRUE = {"1", "x", "yes", "y", "true", "t"}
_FALSE = {"", "0", "no", "n", "false", "f", "-"}


@dataclass(frozen=True)
class TagRow:
    """One line of the error-analysis table.

    Attributes:
        tag: the category.
        count: misclassified examples carrying it.
        fraction: ``count / number of examined errors``.
        ceiling: the most the error can drop by fixing the tag: ``error × fraction``.
        best_error: the error after a perfect fix: ``error − ceiling``.
    """

    tag: str
    count: int
    fraction: float
    ceiling: float
    best_error: float


@dataclass
class ErrorAnalysis:
    """Per-example tags of the examined errors and the per-tag table, most frequent first."""

    error_rate: float
    examples: list  # ids of the examined misclassified examples, in input order
    tags: list[frozenset[str]]
    rows: list[TagRow] = field(default_factory=list)

    @property
    def tag_names(self) -> list[str]:
        return [row.tag for row in self.rows]

    def row(self, tag: str) -> TagRow:
        for r in self.rows:
            if r.tag == tag:
                return r
        raise KeyError(f"no tag {tag!r}; tags are {self.tag_names}.")

    def to_markdown(self) -> str:
        """The table as Markdown: tag, count, % of errors, ceiling, best reachable error."""
        lines = [
            f"Examined errors: {len(self.examples)}; current error {100 * self.error_rate:.2f}%.",
            "",
            "| tag | count | % of errors | ceiling (error reduction) | best reachable error |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            lines.append(
                f"| {r.tag} | {r.count} | {100 * r.fraction:.1f}% | {100 * r.ceiling:.2f}% | "
                f"{100 * r.best_error:.2f}% |"
            )
        return "\n".join(lines)

    def to_csv(self, path: str | os.PathLike | None = None) -> str:
        """The table as CSV text; with ``path``, also written there (atomically)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["tag", "count", "fraction", "ceiling", "best_error"])
        for r in self.rows:
            writer.writerow(
                [r.tag, r.count, f"{r.fraction:.6g}", f"{r.ceiling:.6g}", f"{r.best_error:.6g}"]
            )
        text = buffer.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text

    def spreadsheet_csv(self, path: str | os.PathLike | None = None) -> str:
        """The course's spreadsheet: one row per example, one 0/1 column per tag
        (the "incorrectly labelled" column always present)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        names = sorted(self.tag_names)
        writer.writerow(["example", *names])
        for example, tags in zip(self.examples, self.tags):
            writer.writerow([example, *(int(t in tags) for t in names)])
        text = buffer.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text

    def contact_sheets(
        self, images, out_dir: str | os.PathLike, *, limit: int = 10, ncols: int = 5
    ) -> list[Path]:
        """One PNG grid of the examined images per tag (``<out_dir>/errors_<tag>.png``).

        Args:
            images: ``{example id: image (h, w, c)}``, or an array (n, h, w, c) aligned with
                the examined examples.
            out_dir: folder of the PNGs.
            limit: at most this many images per tag.
        """
        if isinstance(images, Mapping):
            missing = [e for e in self.examples if e not in images]
            if missing:
                raise KeyError(f"no image for examples {missing[:5]}.")
            lookup = images
        else:
            images = np.asarray(images)
            if len(images) != len(self.examples):
                raise ValueError(
                    f"images must hold one image per examined example "
                    f"({len(self.examples)}); got {len(images)}."
                )
            lookup = dict(zip(self.examples, images))
        paths = []
        for row in self.rows:
            chosen = [e for e, t in zip(self.examples, self.tags) if row.tag in t][:limit]
            if not chosen:
                continue
            slug = "".join(c if c.isalnum() else "_" for c in row.tag)
            paths.append(
                plot_image_grid(
                    np.stack([lookup[e] for e in chosen]),
                    [f"{e}\n{row.tag}" for e in chosen],
                    Path(out_dir) / f"errors_{slug}.png",
                    ncols=ncols,
                )
            )
        return paths


def read_tags_csv(path: str | os.PathLike) -> dict[str, frozenset[str]]:
    """Read tags from a CSV: ``example`` column, then either a ``tags`` column (``;``-separated)
    or one column per tag holding 1/0 (also x/yes/true or empty).

    Example:
        >>> read_tags_csv("tags.csv")  # doctest: +SKIP
        {'img_017': frozenset({'dog', 'blurry'}), ...}
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or not rows[0] or rows[0][0].strip().lower() not in ("example", "id"):
        raise ValueError(f"{path}: the first column must be named 'example' (or 'id').")
    header = [h.strip() for h in rows[0]]
    out: dict[str, frozenset[str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}:{line}: expected {len(header)} cells, got {len(row)}.")
        example = row[0].strip()
        if example in out:
            raise ValueError(f"{path}:{line}: example {example!r} appears twice.")
        if header[1:] == ["tags"]:
            tags = {t.strip() for t in row[1].split(";") if t.strip()}
        else:
            tags = set()
            for name, cell in zip(header[1:], row[1:]):
                value = cell.strip().lower()
                if value in _TRUE:
                    tags.add(name)
                elif value not in _FALSE:
                    raise ValueError(f"{path}:{line}: column {name!r} holds {cell!r}; use 1/0.")
        out[example] = frozenset(tags)
    return out


def _as_tag_sets(tags) -> tuple[list, list[frozenset[str]]]:
    if isinstance(tags, str | os.PathLike):
        tags = read_tags_csv(tags)
    if isinstance(tags, Mapping):
        examples = list(tags)
        sets = list(tags.values())
    else:
        sets = list(tags)
        examples = list(range(len(sets)))
    out = []
    for example, t in zip(examples, sets):
        if isinstance(t, str):  # one tag, not its characters
            t = [t]
        if not isinstance(t, Iterable):
            raise TypeError(f"tags of example {example!r} must be a set of strings; got {t!r}.")
        t = frozenset(t)
        bad = [x for x in t if not isinstance(x, str) or not x]
        if bad:
            raise TypeError(f"tags of example {example!r} must be non-empty strings; got {bad}.")
        out.append(t)
    return examples, out


def error_analysis(
    tags,
    *,
    error_rate: float,
    misclassified: Sequence | None = None,
    mislabelled_tag: str = MISLABELLED,
) -> ErrorAnalysis:
    """Count tags over examined misclassified examples and bound the gain of fixing each.

    Args:
        tags: per example, a set of tags: a list aligned with the examined errors, a mapping
            ``{example id: tags}``, or the path of a CSV (:func:`read_tags_csv`). An example
            with no tag counts as examined.
        error_rate: the current (dev) error, a fraction in [0, 1].
        misclassified: ids of the misclassified examples; every tagged id must be one of them
            (tags for an unknown example are an error). Default: all tagged examples are.
        mislabelled_tag: the name of the "incorrectly labelled" column (always in the table).

    Returns:
        An :class:`ErrorAnalysis`, rows sorted by count (then tag name).

    Example:
        >>> tags = [{"dog"}] * 5 + [{"great cat"}] * 40 + [{"blurry"}] * 55
        >>> ea = error_analysis(tags, error_rate=0.10)
        >>> r = ea.row("dog"); r.count, r.fraction, round(r.best_error, 4)
        (5, 0.05, 0.095)
        >>> ea.tag_names
        ['blurry', 'great cat', 'dog', 'incorrectly labelled']
    """
    error_rate = check_error_rate(error_rate, "error_rate")
    examples, sets = _as_tag_sets(tags)
    if not sets:
        raise ValueError("tags is empty: tag at least one misclassified example.")
    if misclassified is not None:
        known = set(misclassified)
        unknown = [e for e in examples if e not in known]
        if unknown:
            raise ValueError(
                f"tags given for {len(unknown)} example(s) that are not misclassified: "
                f"{unknown[:5]}. Tag only examples from `misclassified`."
            )
    n = len(sets)
    counts: dict[str, int] = {mislabelled_tag: 0}
    for t in sets:
        for tag in t:
            counts[tag] = counts.get(tag, 0) + 1
    rows = [
        TagRow(tag, c, c / n, error_rate * c / n, error_rate - error_rate * c / n)
        for tag, c in counts.items()
    ]
    rows.sort(key=lambda r: (-r.count, r.tag))
    return ErrorAnalysis(error_rate, examples, sets, rows)

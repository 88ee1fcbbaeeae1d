"""The lab registry: one entry per course lab, read by the CLI, ``reproduce`` and the grader.

Each course package declares its labs in its ``labs`` module (``dlspec.foundations.labs``);
a lab's code is imported only when the lab runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["COURSE_PACKAGES", "Lab", "LabResult", "Target", "all_labs", "get_lab"]

COURSE_PACKAGES = ("dlspec.foundations", "dlspec.optimization", "dlspec.strategy", "dlspec.cnn")


@dataclass(frozen=True)
class Target:
    """A headline number of the course for one metric of a lab.

    ``course`` is the course's value; ``minimum`` / ``maximum`` the honest bound our run must
    meet (used by tests and flagged in the results table).
    """

    metric: str
    course: float
    minimum: float | None = None
    maximum: float | None = None

    def met(self, value: float) -> bool:
        return (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value <= self.maximum
        )


@dataclass
class LabResult:
    """What a lab's ``run`` returns: metrics, figures written, notes for the user."""

    lab_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lab:
    """A course lab: id (``c1w2-logreg``), title, where its ``run`` lives, data, targets.

    ``golden`` names the module whose ``CASES`` dict holds the lab's golden cases;
    ``options`` the extra keyword arguments its ``run`` takes from the command line
    (``"data"``: a folder replacing the course data, ``"weights"``: a pretrained weight file,
    ``"content"`` / ``"style"``: image files), passed as ``dlspec run LAB --data DIR``.
    """

    id: str
    title: str
    course: int
    week: int
    entry: str
    data: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    script: str = ""
    golden: str = ""
    options: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The module holding the lab's graded functions (the module of its ``run``)."""
        return self.entry.partition(":")[0]

    def golden_cases(self) -> list:
        """The lab's golden cases: ``CASES[lab id]`` of the module named by ``golden``."""
        if not self.golden:
            return []
        return list(importlib.import_module(self.golden).CASES.get(self.id, ()))

    @property
    def run_function(self) -> Callable[..., LabResult]:
        module, _, name = self.entry.partition(":")
        return getattr(importlib.import_module(module), name)

    def run(
        self, *, quick: bool = False, out_dir: str | Path = "reports", **options: Any
    ) -> LabResult:
        """Run the lab; figures go to ``out_dir/<lab id>/``; ``options`` as in ``options``."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            takes = ", ".join(f"--{name}" for name in self.options) or "no extra options"
            raise ValueError(f"lab {self.id} does not take --{unknown[0]}; it takes {takes}.")
        return self.run_function(quick=quick, out_dir=Path(out_dir) / self.id, **options)


def all_labs() -> Mapping[str, Lab]:
    """Every registered lab, keyed by id, in course order."""
    labs: dict[str, Lab] = {}
    for package in COURSE_PACKAGES:
        for lab in importlib.import_module(f"{package}.labs").LABS:
            labs[lab.id] = lab
    return labs


def get_lab(lab_id: str) -> Lab:
    """Return the lab ``lab_id``, or raise ``KeyError`` listing the known ids."""
    labs = all_labs()
    if lab_id not in labs:
        raise KeyError(f"Unknown lab {lab_id!r}. Known labs: {', '.join(labs)}.")
    return labs[lab_id]

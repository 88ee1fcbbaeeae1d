"""The lab registry: one entry per course lab, read by the CLI, ``reproduce``, notebooks and
the grader (see ``docs/design.md``).

Each course package declares its labs in its ``labs`` module (``dlspec.foundations.labs``).
A lab names two modules: ``reference``, the course's graded functions (what a learner reads
next to the course notebook), and ``runner``, a module of named steps (load data, build,
train, evaluate, figures) listed in its ``STEPS`` tuple. A lab's code is imported only when
the lab runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "COMMON_OPTIONS",
    "COURSE_PACKAGES",
    "Lab",
    "LabResult",
    "LabRun",
    "Step",
    "Target",
    "all_labs",
    "check_lab_options",
    "get_lab",
    "run_steps",
]

COURSE_PACKAGES = ("dlspec.foundations", "dlspec.optimization", "dlspec.strategy", "dlspec.cnn")

#: options every lab takes (``run.options``): ``overwrite`` starts afresh in a run folder that
#: holds an earlier run with other settings, instead of refusing
COMMON_OPTIONS = ("overwrite",)


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
    """What a lab run returns: metrics, figures written, notes for the user."""

    lab_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LabRun:
    """What the steps of one lab run share.

    ``state`` holds what a step made for the later ones (data, models, histories);
    ``result`` collects metrics, figures and notes as the steps go.

    Example:
        >>> run = LabRun("c1w2-logreg", quick=True, out_dir=Path("reports/c1w2-logreg"))
        >>> run.state["costs"] = [0.69, 0.58]
        >>> run.result.metrics["cost @100"] = run.state["costs"][-1]
    """

    lab_id: str
    quick: bool = False
    out_dir: Path = Path("reports")
    options: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    result: LabResult = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        if self.result is None:
            self.result = LabResult(self.lab_id)


#: A lab step: a function of the shared :class:`LabRun`; its docstring's first line is its title.
Step = Callable[[LabRun], None]


def step_title(step: Step) -> str:
    """The first line of a step's docstring (or its name with spaces)."""
    doc = (step.__doc__ or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else step.__name__.replace("_", " ")


def run_steps(
    lab_id: str,
    steps: Sequence[Step],
    *,
    quick: bool = False,
    out_dir: str | Path = "reports",
    on_step: Callable[[int, int, str], None] | None = None,
    **options: Any,
) -> LabResult:
    """Run ``steps`` in order on one :class:`LabRun` and return its result.

    ``on_step(n, total, title)`` is called before each step (the CLI prints a line).

    Example:
        >>> def measure(run):
        ...     '''Measure the answer.'''
        ...     run.result.metrics["answer"] = 42.0
        >>> run_steps("demo", [measure]).metrics
        {'answer': 42.0}
    """
    run = LabRun(lab_id, quick=quick, out_dir=Path(out_dir), options=dict(options))
    for n, step in enumerate(steps, start=1):
        if on_step is not None:
            on_step(n, len(steps), step_title(step))
        step(run)
    return run.result


def check_lab_options(lab_id: str, takes: Sequence[str], options: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the options a lab takes if ``options`` holds another
    (:data:`COMMON_OPTIONS` are taken by every lab).

    Example:
        >>> check_lab_options("c4w4-nst", ("content", "style"), {"data": "x"})
        Traceback (most recent call last):
        ...
        ValueError: lab c4w4-nst does not take --data; it takes --content, --style.
    """
    unknown = sorted(set(options) - set(takes) - set(COMMON_OPTIONS))
    if unknown:
        listed = ", ".join(f"--{name}" for name in takes) or "no extra options"
        raise ValueError(f"lab {lab_id} does not take --{unknown[0]}; it takes {listed}.")


@dataclass(frozen=True)
class Lab:
    """A course lab: id (``c1w2-logreg``), title, its reference and runner modules, data, targets.

    ``targets`` bound the full run (the course's recipe); ``quick_targets`` bound the shorter
    ``--quick`` recipe, whose metric names carry what was shortened (``"cost @400"``) and whose
    bounds are what that recipe honestly reaches; both keep the course's value beside ours.
    ``reference`` names the module of the lab's graded functions; ``runner`` the module whose
    ``STEPS`` run the lab; ``golden`` the module whose ``CASES`` dict holds the lab's golden
    cases; ``options`` the extra keyword arguments its steps read from ``run.options``
    (``"data"``: a folder replacing the course data, ``"weights"``: a pretrained weight file,
    ``"content"`` / ``"style"``: image files), passed as ``dlspec run LAB --data DIR``.
    """

    id: str
    title: str
    course: int
    week: int
    reference: str
    runner: str
    data: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    quick_targets: tuple[Target, ...] = ()
    script: str = ""
    golden: str = ""
    options: tuple[str, ...] = ()

    def golden_cases(self) -> list:
        """The lab's golden cases: ``CASES[lab id]`` of the module named by ``golden``."""
        if not self.golden:
            return []
        return list(importlib.import_module(self.golden).CASES.get(self.id, ()))

    def targets_for(self, quick: bool) -> tuple[Target, ...]:
        """The targets a run is checked against: ``quick_targets`` for a quick run.

        Example:
            >>> lab = Lab("x", "x", 1, 1, "r", "r", targets=(Target("cost @1900", 0.14),),
            ...           quick_targets=(Target("cost @400", 0.33),))
            >>> [t.metric for t in lab.targets_for(quick=True)]
            ['cost @400']
        """
        return self.quick_targets if quick else self.targets

    @property
    def steps(self) -> tuple[Step, ...]:
        """The runner's named steps, in order."""
        return tuple(importlib.import_module(self.runner).STEPS)

    def run(
        self,
        *,
        quick: bool = False,
        out_dir: str | Path = "reports",
        on_step: Callable[[int, int, str], None] | None = None,
        **options: Any,
    ) -> LabResult:
        """Run the lab's steps; figures go to ``out_dir/<lab id>/``; ``options`` as above."""
        check_lab_options(self.id, self.options, options)
        return run_steps(
            self.id,
            self.steps,
            quick=quick,
            out_dir=Path(out_dir) / self.id,
            on_step=on_step,
            **options,
        )


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

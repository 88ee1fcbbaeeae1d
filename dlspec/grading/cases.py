"""Where a lab's graded cases come from, and the ordered plan of one grading run.

A lab's golden module (``Lab.golden`` in the registry) holds, keyed by lab id:

- ``CASES``: the course's fixed cases (:class:`~dlspec.grading.golden.GoldenCase`, or
  :class:`~dlspec.grading.model_summary.ModelCase` for Keras model builders);
- ``GENERATED`` (optional): :class:`~dlspec.grading.generated.GeneratedCase` recipes, drawn
  afresh on every run;
- ``PROVIDED`` (optional): ``{module: names}`` of the helpers the course gives learners
  (``sigmoid``, ``relu_backward``...), imported by ``dlspec grade --template``.

A lab added to the registry with such a module is graded with no change here.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from dlspec.grading.generated import GeneratedCase
from dlspec.grading.golden import GoldenCase
from dlspec.grading.model_summary import ModelCase
from dlspec.labs import get_lab

__all__ = ["CaseSource", "PlannedCase", "plan_cases"]


@dataclass(frozen=True)
class CaseSource:
    """The cases of one lab: golden module, key in its dicts, module of dlspec's functions.

    Example:
        >>> source = CaseSource.for_lab("c1w2-logreg")
        >>> source.functions()
        ['sigmoid', 'initialize_with_zeros', 'propagate', 'optimize', 'predict']
    """

    golden: str
    key: str
    reference: str
    title: str = ""

    @classmethod
    def for_lab(cls, lab_id: str) -> CaseSource:
        """The source of a registered lab (``KeyError`` listing the known ids otherwise)."""
        lab = get_lab(lab_id)
        if not lab.golden:
            raise ValueError(f"lab {lab_id!r} has no golden cases yet.")
        return cls(lab.golden, lab.id, lab.reference, lab.title)

    def to_dict(self) -> dict[str, str]:
        return {"golden": self.golden, "key": self.key, "reference": self.reference}

    @cached_property
    def golden_module(self) -> ModuleType:
        return importlib.import_module(self.golden)

    @cached_property
    def reference_module(self) -> ModuleType:
        return importlib.import_module(self.reference)

    def fixed(self) -> list[GoldenCase | ModelCase]:
        return list(getattr(self.golden_module, "CASES", {}).get(self.key, ()))

    def generated(self) -> list[GeneratedCase]:
        return list(getattr(self.golden_module, "GENERATED", {}).get(self.key, ()))

    def provided(self) -> dict[str, tuple[str, ...]]:
        return dict(getattr(self.golden_module, "PROVIDED", {}).get(self.key, {}))

    def reference_function(self, name: str) -> Callable[..., Any]:
        """dlspec's function ``name`` (``"module:function"`` names another module)."""
        module, _, function = name.rpartition(":")
        owner = importlib.import_module(module) if module else self.reference_module
        return getattr(owner, function)

    def functions(self) -> list[str]:
        """The graded functions, in the order they are defined in the reference module.

        Reads the module's source rather than importing it (a Keras lab's module would load
        TensorFlow just to list names).
        """
        names = list(dict.fromkeys(c.function for c in [*self.fixed(), *self.generated()]))
        lines = _definition_lines(self.reference)
        return sorted(names, key=lambda name: lines.get(name, 1 << 30))


def _definition_lines(module: str) -> dict[str, int]:
    """``{name: line}`` of the top-level functions and classes of ``module``'s source."""
    try:
        spec = importlib.util.find_spec(module)
        source = Path(spec.origin).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (AttributeError, ImportError, OSError, SyntaxError, TypeError, ValueError):
        return {}
    return {
        node.name: node.lineno
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


@dataclass(frozen=True)
class PlannedCase:
    """One case of a grading run; ``build()`` makes it (generated cases call dlspec here).

    Attributes:
        id: position in the plan.
        kind: ``"fixed"`` (the course's visible case) or ``"generated"`` (fresh inputs).
        function, label: the graded function and the case's label (``propagate#2``).
    """

    id: int
    kind: str
    function: str
    label: str
    build: Callable[[], GoldenCase | ModelCase]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "function": self.function, "label": self.label}


def plan_cases(
    source: CaseSource,
    *,
    seed: int,
    repeats: int = 3,
    functions: Sequence[str] | None = None,
) -> list[PlannedCase]:
    """Order the lab's cases: per graded function, fixed cases then ``repeats`` draws of each
    generated case (seeded by ``(seed, recipe, draw)``: the same seed gives the same run).

    Example:
        >>> plan = plan_cases(CaseSource.for_lab("c1w2-logreg"), seed=0, repeats=2)
        >>> [(p.kind, p.label) for p in plan if p.function == "propagate"]
        [('fixed', 'propagate'), ('generated', 'propagate#1'), ('generated', 'propagate#2')]
    """
    wanted = source.functions() if functions is None else list(functions)
    fixed, generated = source.fixed(), source.generated()
    plan: list[PlannedCase] = []
    for function in wanted:
        for case in fixed:
            if case.function == function:
                plan.append(PlannedCase(len(plan), "fixed", function, case.label, lambda c=case: c))
        for index, recipe in enumerate(generated):
            if recipe.function != function:
                continue
            for draw in range(repeats):
                label = f"{recipe.label}#{draw + 1}"

                def build(r=recipe, s=(seed, index, draw), lb=label) -> GoldenCase:
                    return r.realize(s, source.reference_function(r.reference or r.function), lb)

                plan.append(PlannedCase(len(plan), "generated", function, label, build))
    return plan

"""Registry entry of the Course 3 case study (Structuring Machine Learning Projects)."""

from dlspec.labs import Lab, Target

LABS = (
    Lab(
        id="c3-case-study",
        title="ML strategy case study: diagnose a real classifier",
        course=3,
        week=1,
        reference="dlspec.strategy.case_study",
        runner="dlspec.strategy.runs.case_study",
        data=("course1/catvnoncat/train_catvnoncat.h5", "course1/catvnoncat/test_catvnoncat.h5"),
        targets=(Target("golden cases passed", 1.0, minimum=1.0),),
        # quick: 600 full-batch epochs (not 2500); nan: the course gives no number, the
        # bound is ours
        quick_targets=(
            Target("golden cases passed", 1.0, minimum=1.0),
            Target("train error (600 epochs)", float("nan"), maximum=0.35),
        ),
        golden="dlspec.strategy.golden.case_study",
        script="assignments/c3_strategy_case_study.py",
    ),
)

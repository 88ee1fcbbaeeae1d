"""Registry entries of the Course 2 labs (Improving Deep Neural Networks)."""

from dlspec.labs import Lab, Target

_REGULARIZATION_DATA = ("course2/regularization/data.mat",)
_SIGNS_DATA = ("course4/signs/test_signs.h5",)

# quick runs of these labs are their full runs, or keep these metrics unchanged
_INIT_TARGETS = (
    Target("zeros train accuracy", 0.5, minimum=0.5, maximum=0.5),
    Target("zeros test accuracy", 0.5, minimum=0.5, maximum=0.5),
    Target("random train accuracy", 0.83, minimum=0.80),
    Target("random test accuracy", 0.86, minimum=0.83),
    Target("He cost @14000", 0.07357895962677362, maximum=0.0736),
    Target("He train accuracy", 0.9933333333333333, minimum=0.98),
    Target("He test accuracy", 0.96, minimum=0.94),
)
_REGULARIZATION_NUMPY = tuple(
    target
    for name, cost0, train, test, train_min, test_min in (
        ("no regularization", 0.6557412523481002, 0.9478672985781991, 0.915, 0.94, 0.90),
        ("L2", 0.6974484493131264, 0.9383886255924171, 0.93, 0.92, 0.92),
        ("dropout", 0.6543912405149825, 0.9289099526066351, 0.95, 0.91, 0.94),
    )
    for target in (
        Target(f"{name} cost @0", cost0, minimum=cost0 - 1e-9, maximum=cost0 + 1e-9),
        Target(f"{name} train accuracy", train, minimum=train_min),
        Target(f"{name} test accuracy", test, minimum=test_min),
    )
)
_GRADIENT_CHECKING_TARGETS = (
    Target("golden cases passed", 1.0, minimum=1.0),
    Target("1-D difference", 7.814075313343006e-11, maximum=2e-7),
    Target("buggy backprop difference", 0.2850931567761623, minimum=1e-7),
    Target("correct backprop difference", 1.1890913024229996e-07, maximum=2e-7),
)
_OPTIMIZATION_HEADLINE = (
    Target("gd accuracy", 0.7166666666666667, minimum=0.68, maximum=0.76),
    Target("momentum accuracy", 0.7166666666666667, minimum=0.68, maximum=0.76),
    Target("adam accuracy", 0.9433333333333334, minimum=0.92),
)
_TF_INTRO_COSTS = (
    Target("epoch 0 cost", 1.8302439, minimum=1.7, maximum=1.95),
    Target("epoch 10 cost", 1.5523906, minimum=1.35, maximum=1.75),
    Target("epoch 20 cost", 1.3476167, minimum=1.1, maximum=1.55),
)
_GRADIENT_HEALTH = (
    Target("EWMA loop vs vectorised max |difference|", 0.0, maximum=1e-12),
    Target(
        "first-layer gradient norm at init / He's (tiny init N(0, 0.01²))",
        float("nan"),
        maximum=1e-10,
    ),
    Target(
        "first-layer gradient norm at init / He's (large init N(0, 1))", float("nan"), minimum=1e6
    ),
    Target(
        "first-layer gradient norm at init / He's (tiny init + batch norm)",
        float("nan"),
        minimum=1e-2,
        maximum=1e3,
    ),
    Target(
        "first-layer gradient norm at init / He's (tiny init + residual)",
        float("nan"),
        minimum=1e-2,
        maximum=1e3,
    ),
)

LABS = (
    Lab(
        id="c2w1-init",
        title="Initialization",
        course=2,
        week=1,
        reference="dlspec.optimization.initialization",
        runner="dlspec.optimization.runs.initialization",
        targets=_INIT_TARGETS,
        quick_targets=_INIT_TARGETS,
        golden="dlspec.optimization.golden.initialization",
        script="assignments/c2w1_initialization.py",
    ),
    Lab(
        id="c2w1-regularization",
        title="Regularization",
        course=2,
        week=1,
        reference="dlspec.optimization.regularization",
        runner="dlspec.optimization.runs.regularization",
        data=_REGULARIZATION_DATA,
        targets=(
            *_REGULARIZATION_NUMPY,
            Target("Keras L2 test accuracy", 0.93, minimum=0.92),
            Target("Keras dropout test accuracy", 0.95, minimum=0.92),
        ),
        # quick: the numpy runs as in the course, the Keras twins 5000 steps (not 30000)
        quick_targets=(
            *_REGULARIZATION_NUMPY,
            Target("Keras L2 test accuracy (5000 it)", 0.93, minimum=0.90),
            Target("Keras dropout test accuracy (5000 it)", 0.95, minimum=0.90),
        ),
        golden="dlspec.optimization.golden.regularization",
        script="assignments/c2w1_regularization.py",
    ),
    Lab(
        id="c2w1-gradient-checking",
        title="Gradient checking",
        course=2,
        week=1,
        reference="dlspec.optimization.gradient_checking",
        runner="dlspec.optimization.runs.gradient_checking",
        targets=_GRADIENT_CHECKING_TARGETS,
        quick_targets=_GRADIENT_CHECKING_TARGETS,
        golden="dlspec.optimization.golden.gradient_checking",
        script="assignments/c2w1_gradient_checking.py",
    ),
    Lab(
        id="c2w2-optimization",
        title="Optimization methods",
        course=2,
        week=2,
        reference="dlspec.optimization.optimization_methods",
        runner="dlspec.optimization.runs.optimization_methods",
        targets=(
            *_OPTIMIZATION_HEADLINE,
            Target("gd + update_lr accuracy", 0.6533333333333333, minimum=0.6, maximum=0.7),
            Target("gd + schedule_lr_decay accuracy", 0.946, minimum=0.92),
            Target("momentum + schedule_lr_decay accuracy", 0.956, minimum=0.92),
            Target("adam + schedule_lr_decay accuracy", 0.94, minimum=0.92),
        ),
        # quick: the three headline runs (the course's), no learning-rate decay runs
        quick_targets=_OPTIMIZATION_HEADLINE,
        golden="dlspec.optimization.golden.optimization_methods",
        script="assignments/c2w2_optimization_methods.py",
    ),
    Lab(
        id="c2w3-tf-intro",
        title="Introduction to TensorFlow",
        course=2,
        week=3,
        reference="dlspec.optimization.tensorflow_introduction",
        runner="dlspec.optimization.runs.tensorflow_introduction",
        data=_SIGNS_DATA,
        targets=(
            *_TF_INTRO_COSTS,
            Target("train accuracy", 0.77, minimum=0.72),
            Target("test accuracy", 0.72, minimum=0.65),
        ),
        # quick: 21 epochs (not 100; the course prints the cost at epochs 0, 10, 20) of the
        # course loop and of the Keras twin
        quick_targets=(
            *_TF_INTRO_COSTS,
            Target("train accuracy (21 epochs)", 0.77, minimum=0.50),
            Target("test accuracy (21 epochs)", 0.72, minimum=0.45),
            Target("Trainer test accuracy (21 epochs)", 0.72, minimum=0.45),
        ),
        golden="dlspec.optimization.golden.tensorflow_introduction",
        script="assignments/c2w3_tensorflow_introduction.py",
    ),
    Lab(
        id="c2-practical",
        title="Practical aspects: hyperparameter search, EWMA, gradient health, normalisation",
        course=2,
        week=3,
        reference="dlspec.optimization.practical_aspects",
        runner="dlspec.optimization.runs.practical_aspects",
        data=(
            *_REGULARIZATION_DATA,
            "course1/catvnoncat/train_catvnoncat.h5",
            "course1/catvnoncat/test_catvnoncat.h5",
        ),
        # nan: the course shows the effect but gives no number; the bounds are ours
        targets=(
            Target("search best dev accuracy (regularization data)", 0.93, minimum=0.9),
            Target(
                "normalisation speed-up over raw 0-255 (steps to loss 0.3)",
                float("nan"),
                minimum=2.0,
            ),
            Target("L2 test accuracy (early-stopping study)", 0.93, minimum=0.88),
            Target(
                "early stopping test accuracy (early-stopping study)", float("nan"), minimum=0.88
            ),
            *_GRADIENT_HEALTH,
        ),
        # quick: a smaller search, a coarser learning-rate grid, 2500 iterations of the
        # early-stopping study (not 30000), no panda vs caviar
        quick_targets=(
            Target(
                "search best dev accuracy (regularization data, trials 4, zoom_trials 2, "
                "epochs 100)",
                0.93,
                minimum=0.9,
            ),
            Target(
                "normalisation speed-up over raw 0-255 (steps to loss 0.3, grid 2-16/L)",
                float("nan"),
                minimum=2.0,
            ),
            Target("L2 test accuracy (early-stopping study, 2500 iterations)", 0.93, minimum=0.88),
            Target(
                "early stopping test accuracy (early-stopping study, 2500 iterations)",
                float("nan"),
                minimum=0.88,
            ),
            *_GRADIENT_HEALTH,
        ),
        script="assignments/c2_practical_aspects.py",
    ),
)

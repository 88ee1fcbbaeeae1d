"""Registry entries of the Course 4 labs (Convolutional Neural Networks).

Metrics of shortened (``--quick``) runs carry the number of epochs in their name, so the
targets below (the course's recipe) are only checked against full runs.
"""

from dlspec.labs import Lab, Target

_SIGNS = ("course4/signs/test_signs.h5",)
_HAPPY = ("course4/happy/test_happy.h5",)
_ALPACA = ("course4/alpaca/alpaca", "course4/alpaca/not alpaca")

LABS = (
    Lab(
        id="c4w1-conv-step",
        title="Convolutional model, step by step",
        course=4,
        week=1,
        entry="dlspec.cnn.convolution_step_by_step:run",
        targets=(
            Target("golden cases passed", 1.0, minimum=1.0),
            Target("vectorised vs loop max difference", 0.0, maximum=1e-10),
        ),
        golden="dlspec.cnn.golden.convolution_step_by_step",
        script="assignments/c4w1_convolution_step_by_step.py",
    ),
    Lab(
        id="c4w1-conv-app",
        title="Convolution model application",
        course=4,
        week=1,
        entry="dlspec.cnn.convolution_application:run",
        data=_SIGNS + _HAPPY,
        targets=(
            Target("SIGNS train accuracy", 0.85, minimum=0.82),
            Target("SIGNS test accuracy", 0.73, minimum=0.70),
        ),
        golden="dlspec.cnn.golden.convolution_application",
        script="assignments/c4w1_convolution_application.py",
    ),
    Lab(
        id="c4w2-resnet",
        title="Residual networks",
        course=4,
        week=2,
        entry="dlspec.cnn.residual_networks:run",
        data=_SIGNS,
        targets=(
            Target("train accuracy", 0.93, minimum=0.85),
            Target("test accuracy (BN statistics re-estimated)", 0.93, minimum=0.85),
        ),
        golden="dlspec.cnn.golden.residual_networks",
        script="assignments/c4w2_residual_networks.py",
    ),
    Lab(
        id="c4w2-alpaca",
        title="Transfer learning with MobileNetV2",
        course=4,
        week=2,
        entry="dlspec.cnn.transfer_learning:run",
        data=_ALPACA,
        targets=(
            Target("val accuracy after the frozen phase", 0.9, minimum=0.70),
            Target("val accuracy after fine-tuning", 0.97, minimum=0.92),
        ),
        golden="dlspec.cnn.golden.transfer_learning",
        script="assignments/c4w2_transfer_learning_mobilenet.py",
    ),
)

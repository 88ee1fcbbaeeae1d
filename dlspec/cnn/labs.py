"""Registry entries of the Course 4 labs (Convolutional Neural Networks).

Metrics of shortened (``--quick``) runs carry the number of epochs in their name; ``targets``
(the course's recipe) are checked against full runs, ``quick_targets`` against quick runs.
"""

from dlspec.labs import Lab, Target

_SIGNS = ("course4/signs/test_signs.h5",)
_HAPPY = ("course4/happy/test_happy.h5",)
_ALPACA = ("course4/alpaca/alpaca", "course4/alpaca/not alpaca")
_YOLO = ("course4/yolo/model_data/coco_classes.txt", "course4/yolo/model_data/yolo_anchors.txt")
_CARLA = ("course4/carla/CameraRGB", "course4/carla/CameraMask")
_FACES = ("course4/faces/images",)
_STYLE = ("course4/style/images/louvre_small.jpg", "course4/style/images/monet.jpg")
_GOLDEN = Target("golden cases passed", 1.0, minimum=1.0)
_CONV_STEP = (_GOLDEN, Target("vectorised vs loop max difference", 0.0, maximum=1e-10))
_ARCHITECTURES = (
    Target("parameter counts equal to keras.applications", 1.0, minimum=1.0),
    Target("5x5 conv multiplications (millions)", 120.4, minimum=120.0, maximum=121.0),
)

LABS = (
    Lab(
        id="c4w1-conv-step",
        title="Convolutional model, step by step",
        course=4,
        week=1,
        reference="dlspec.cnn.convolution_step_by_step",
        runner="dlspec.cnn.runs.convolution_step_by_step",
        targets=_CONV_STEP,
        quick_targets=_CONV_STEP,
        golden="dlspec.cnn.golden.convolution_step_by_step",
        script="assignments/c4w1_convolution_step_by_step.py",
    ),
    Lab(
        id="c4w1-conv-app",
        title="Convolution model application",
        course=4,
        week=1,
        reference="dlspec.cnn.convolution_application",
        runner="dlspec.cnn.runs.convolution_application",
        data=_SIGNS + _HAPPY,
        targets=(
            Target("SIGNS train accuracy", 0.85, minimum=0.82),
            Target("SIGNS test accuracy", 0.73, minimum=0.70),
        ),
        # quick: 20 epochs on SIGNS (not 100), 5 on Happy House (not 10)
        quick_targets=(
            Target("SIGNS train accuracy (20 epochs)", 0.85, minimum=0.45),
            Target("SIGNS test accuracy (20 epochs)", 0.73, minimum=0.40),
        ),
        golden="dlspec.cnn.golden.convolution_application",
        script="assignments/c4w1_convolution_application.py",
    ),
    Lab(
        id="c4w2-resnet",
        title="Residual networks",
        course=4,
        week=2,
        reference="dlspec.cnn.residual_networks",
        runner="dlspec.cnn.runs.residual_networks",
        data=_SIGNS,
        targets=(
            Target("train accuracy", 0.93, minimum=0.85),
            Target("test accuracy (BN statistics re-estimated)", 0.93, minimum=0.85),
        ),
        # quick: 1 epoch (not 10); the training distribution scored on 320 images
        quick_targets=(
            Target("train accuracy (1 epoch)", 0.93, minimum=0.25),
            Target("test accuracy (BN statistics re-estimated) (1 epoch)", 0.93, minimum=0.3),
        ),
        golden="dlspec.cnn.golden.residual_networks",
        script="assignments/c4w2_residual_networks.py",
    ),
    Lab(
        id="c4w2-alpaca",
        title="Transfer learning with MobileNetV2",
        course=4,
        week=2,
        reference="dlspec.cnn.transfer_learning",
        runner="dlspec.cnn.runs.transfer_learning",
        data=_ALPACA,
        targets=(
            Target("val accuracy after the frozen phase", 0.9, minimum=0.70),
            Target("val accuracy after fine-tuning", 0.97, minimum=0.92),
        ),
        # quick: 2 frozen epochs (not 5), fine-tuning 3 (not 6)
        quick_targets=(
            Target("val accuracy after the frozen phase (2 epochs)", 0.9, minimum=0.6),
            Target("val accuracy after fine-tuning (3 epochs)", 0.97, minimum=0.85),
        ),
        golden="dlspec.cnn.golden.transfer_learning",
        script="assignments/c4w2_transfer_learning_mobilenet.py",
    ),
    Lab(
        id="c4w2-architectures",
        title="Classic CNN architectures, their cost, sliding windows, what networks learn",
        course=4,
        week=2,
        reference="dlspec.cnn.architectures",
        runner="dlspec.cnn.runs.architectures_tour",
        data=_SIGNS + _ALPACA,
        targets=_ARCHITECTURES,
        quick_targets=_ARCHITECTURES,
        script="assignments/c4w2_architectures_tour.py",
    ),
    Lab(
        id="c4w3-yolo",
        title="Car detection with YOLO",
        course=4,
        week=3,
        reference="dlspec.cnn.detection.car_detection",
        runner="dlspec.cnn.runs.car_detection",
        data=_YOLO + ("course4/yolo/images/0001.jpg",),
        targets=(
            Target("golden cases passed", 1.0, minimum=1.0),
            Target("shapes detector held-out mAP@0.5", 0.5, minimum=0.5),
        ),
        # quick: the shapes detector trains 5 epochs on 1000 images (not 15 on 3000)
        quick_targets=(
            _GOLDEN,
            Target("shapes detector held-out mAP@0.5 (5 epochs, 1000 images)", 0.5, minimum=0.8),
        ),
        golden="dlspec.cnn.golden.car_detection",
        script="assignments/c4w3_car_detection_yolo.py",
        options=("data", "weights"),
    ),
    Lab(
        id="c4w3-unet",
        title="Image segmentation with U-Net",
        course=4,
        week=3,
        reference="dlspec.cnn.segmentation.image_segmentation",
        runner="dlspec.cnn.runs.image_segmentation",
        data=_CARLA,
        targets=(
            Target("golden cases passed", 1.0, minimum=1.0),
            Target("held-out pixel accuracy", 0.95, minimum=0.72),
        ),
        # quick: 6 epochs of batch 4 at half the width (n_filters 16): 0.66 measured; the
        # majority class scores 0.22
        quick_targets=(
            _GOLDEN,
            Target("held-out pixel accuracy (6 epochs, batch 4, 16 filters)", 0.95, minimum=0.45),
        ),
        golden="dlspec.cnn.golden.image_segmentation",
        script="assignments/c4w3_unet_segmentation.py",
        options=("data",),
    ),
    Lab(
        id="c4w4-face",
        title="Face recognition",
        course=4,
        week=4,
        reference="dlspec.cnn.faces.face_recognition",
        runner="dlspec.cnn.runs.face_recognition",
        data=_FACES,
        targets=(
            Target("golden cases passed", 1.0, minimum=1.0),
            Target(
                "triplet-trained verification accuracy (digits, held-out pairs)", 0.95, minimum=0.95
            ),
        ),
        # quick: the digits embedding trains 8 epochs (not 30)
        quick_targets=(
            _GOLDEN,
            Target(
                "triplet-trained verification accuracy (digits, held-out pairs) (8 epochs)",
                0.95,
                minimum=0.93,
            ),
        ),
        golden="dlspec.cnn.golden.face_recognition",
        script="assignments/c4w4_face_recognition.py",
        options=("data", "weights"),
    ),
    Lab(
        id="c4w4-nst",
        title="Art generation with neural style transfer",
        course=4,
        week=4,
        reference="dlspec.cnn.style.neural_style_transfer",
        runner="dlspec.cnn.runs.neural_style_transfer",
        data=_STYLE,
        targets=(
            Target("golden cases passed", 1.0, minimum=1.0),
            Target("total cost reduction", 0.5, minimum=0.5),
        ),
        # quick: 120 steps on 128x128 images (not 2501 on 400x400)
        quick_targets=(
            _GOLDEN,
            Target("total cost reduction (120 steps, 128x128)", 0.5, minimum=0.5),
        ),
        golden="dlspec.cnn.golden.neural_style_transfer",
        script="assignments/c4w4_neural_style_transfer.py",
        options=("weights", "content", "style"),
    ),
)

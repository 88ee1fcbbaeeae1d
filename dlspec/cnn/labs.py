"""Registry entries of the Course 4 labs (Convolutional Neural Networks).

Metrics of shortened (``--quick``) runs carry the number of epochs in their name, so the
targets below (the course's recipe) are only checked against full runs.
"""

from dlspec.labs import Lab, Target

_SIGNS = ("course4/signs/test_signs.h5",)
_HAPPY = ("course4/happy/test_happy.h5",)
_ALPACA = ("course4/alpaca/alpaca", "course4/alpaca/not alpaca")
_YOLO = ("course4/yolo/model_data/coco_classes.txt", "course4/yolo/model_data/yolo_anchors.txt")
_CARLA = ("course4/carla/CameraRGB", "course4/carla/CameraMask")
_FACES = ("course4/faces/images",)
_STYLE = ("course4/style/images/louvre_small.jpg", "course4/style/images/monet.jpg")

LABS = (
    Lab(
        id="c4w1-conv-step",
        title="Convolutional model, step by step",
        course=4,
        week=1,
        reference="dlspec.cnn.convolution_step_by_step",
        runner="dlspec.cnn.runs.convolution_step_by_step",
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
        reference="dlspec.cnn.convolution_application",
        runner="dlspec.cnn.runs.convolution_application",
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
        reference="dlspec.cnn.residual_networks",
        runner="dlspec.cnn.runs.residual_networks",
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
        reference="dlspec.cnn.transfer_learning",
        runner="dlspec.cnn.runs.transfer_learning",
        data=_ALPACA,
        targets=(
            Target("val accuracy after the frozen phase", 0.9, minimum=0.70),
            Target("val accuracy after fine-tuning", 0.97, minimum=0.92),
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
        targets=(
            Target("parameter counts equal to keras.applications", 1.0, minimum=1.0),
            Target("5x5 conv multiplications (millions)", 120.4, minimum=120.0, maximum=121.0),
        ),
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
        golden="dlspec.cnn.golden.neural_style_transfer",
        script="assignments/c4w4_neural_style_transfer.py",
        options=("weights", "content", "style"),
    ),
)

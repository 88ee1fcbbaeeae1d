"""Course 4, Convolutional Neural Networks.

Reference modules (the course's graded functions), one per lab:

- week 1: :mod:`~dlspec.cnn.convolution_step_by_step` (C4W1A1; vectorised twin
  :mod:`~dlspec.cnn.convolution_vectorized`), :mod:`~dlspec.cnn.convolution_application` (C4W1A2);
- week 2: :mod:`~dlspec.cnn.residual_networks` (C4W2A1), :mod:`~dlspec.cnn.transfer_learning`
  (C4W2A2), :mod:`~dlspec.cnn.architectures` (the architectures tour);
- week 3: :mod:`~dlspec.cnn.detection.car_detection` (C4W3A1),
  :mod:`~dlspec.cnn.segmentation.image_segmentation` (C4W3A2);
- week 4: :mod:`~dlspec.cnn.faces.face_recognition` (C4W4A1),
  :mod:`~dlspec.cnn.style.neural_style_transfer` (C4W4A2).

Topics beside them: ``detection/`` (YOLO decoding, YOLOv2, its loss, a trainable shapes
detector, mAP), ``faces/`` (FaceNet, triplet training), ``style/`` (backbones, the resumable
transfer loop), ``lectures/`` (cost calculator, receptive fields, sliding windows, feature
visualisation). Lab runners are in ``runs/``, golden cases in ``golden/``.
"""

from dlspec._lazy import lazy_exports
from dlspec.saving import defer_keras_registration

_EXPORTS = {
    "zero_pad": "dlspec.cnn.convolution_step_by_step",
    "conv_single_step": "dlspec.cnn.convolution_step_by_step",
    "conv_forward": "dlspec.cnn.convolution_step_by_step",
    "pool_forward": "dlspec.cnn.convolution_step_by_step",
    "conv_backward": "dlspec.cnn.convolution_step_by_step",
    "create_mask_from_window": "dlspec.cnn.convolution_step_by_step",
    "distribute_value": "dlspec.cnn.convolution_step_by_step",
    "pool_backward": "dlspec.cnn.convolution_step_by_step",
    "happyModel": "dlspec.cnn.convolution_application",
    "convolutional_model": "dlspec.cnn.convolution_application",
    "identity_block": "dlspec.cnn.residual_networks",
    "convolutional_block": "dlspec.cnn.residual_networks",
    "ResNet50": "dlspec.cnn.residual_networks",
    "IdentityBlock": "dlspec.cnn.residual_networks",
    "ConvolutionalBlock": "dlspec.cnn.residual_networks",
    "data_augmenter": "dlspec.cnn.transfer_learning",
    "alpaca_model": "dlspec.cnn.transfer_learning",
    "yolo_filter_boxes": "dlspec.cnn.detection.car_detection",
    "iou": "dlspec.cnn.detection.car_detection",
    "yolo_non_max_suppression": "dlspec.cnn.detection.car_detection",
    "scale_boxes": "dlspec.cnn.detection.car_detection",
    "yolo_eval": "dlspec.cnn.detection.car_detection",
    "read_classes": "dlspec.cnn.detection.car_detection",
    "read_anchors": "dlspec.cnn.detection.car_detection",
    "yolo_head": "dlspec.cnn.detection.yolo_decoding",
    "yolo_boxes_to_corners": "dlspec.cnn.detection.yolo_decoding",
    "conv_block": "dlspec.cnn.segmentation.image_segmentation",
    "upsampling_block": "dlspec.cnn.segmentation.image_segmentation",
    "unet_model": "dlspec.cnn.segmentation.image_segmentation",
    "triplet_loss": "dlspec.cnn.faces.face_recognition",
    "img_to_encoding": "dlspec.cnn.faces.face_recognition",
    "verify": "dlspec.cnn.faces.face_recognition",
    "who_is_it": "dlspec.cnn.faces.face_recognition",
    "compute_content_cost": "dlspec.cnn.style.neural_style_transfer",
    "gram_matrix": "dlspec.cnn.style.neural_style_transfer",
    "compute_layer_style_cost": "dlspec.cnn.style.neural_style_transfer",
    "compute_style_cost": "dlspec.cnn.style.neural_style_transfer",
    "total_cost": "dlspec.cnn.style.neural_style_transfer",
    "style_transfer": "dlspec.cnn.style.transfer",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

#: Every serialisable Keras object of this package (see :mod:`dlspec.saving`).
KERAS_OBJECTS = {
    "ConnectionTableConv2D": "dlspec.cnn.architectures.lenet",
    "ConvolutionalBlock": "dlspec.cnn.residual_networks",
    "IdentityBlock": "dlspec.cnn.residual_networks",
    "ResidualScale": "dlspec.cnn.faces.facenet",
    "SpaceToDepth": "dlspec.cnn.detection.yolo_v2",
    "Subsampling": "dlspec.cnn.architectures.lenet",
    "YoloV2Loss": "dlspec.cnn.detection.yolo_loss",
    "scaled_tanh": "dlspec.cnn.architectures.lenet",
}
defer_keras_registration(KERAS_OBJECTS)

"""Course 4, Convolutional Neural Networks: convolution from scratch (numpy), Keras CNNs,
ResNet-50, MobileNetV2 transfer learning, and the later detection/segmentation/face/style labs.
"""

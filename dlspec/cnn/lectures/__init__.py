"""Course 4 lecture tools (no lab of their own; the c4w2-architectures tour runs them).

- :mod:`~dlspec.cnn.lectures.cost_calculator`: multiplications and parameters per layer
  ("Network in network", "Inception", "MobileNet"), and TensorFlow's profiler FLOPs;
- :mod:`~dlspec.cnn.lectures.receptive_field`: the receptive field of every layer's units;
- :mod:`~dlspec.cnn.lectures.sliding_windows`: "Convolutional implementation of sliding
  windows" (a dense head turned into convolutions);
- :mod:`~dlspec.cnn.lectures.feature_visualization`: "What are deep ConvNets learning?" (top
  activating patches, feature maps, first-layer filters).
"""

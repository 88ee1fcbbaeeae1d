"""Course 3, Structuring Machine Learning Projects, as tools: single-number metrics and model
selection, train/train-dev/dev/test splits, bias/variance/data-mismatch diagnosis, error
analysis, multi-task losses and transfer-learning helpers.

Modules (import them directly; this package imports nothing heavy):

* :mod:`~dlspec.strategy.metrics`: ``precision_recall_f1``, ``f1``, ``weighted_error``,
  ``select_model``.
* :mod:`~dlspec.strategy.splits`: ``split_indices``, ``split_arrays``, ``split_dataset``,
  ``target_distribution_split``.
* :mod:`~dlspec.strategy.diagnosis`: ``diagnose``; :mod:`~dlspec.strategy.callbacks`:
  ``DiagnosisCallback`` (Keras); :mod:`~dlspec.strategy.plots`: ``plot_error_curves``.
* :mod:`~dlspec.strategy.error_analysis`: ``error_analysis``, ``read_tags_csv``.
* :mod:`~dlspec.strategy.multitask`: ``MaskedBinaryCrossentropy``, ``MaskedBinaryAccuracy``,
  ``multitask_model`` (Keras).
* :mod:`~dlspec.strategy.case_study`: the runnable case study (lab ``c3-case-study``).
"""

"""Hyperparameter search the course's way (C2W3): sampling scales (:mod:`.space`), the studies'
hypermodels and data (:mod:`.models`), coarse-to-fine search on KerasTuner (:mod:`.search`) and
panda vs caviar (:mod:`.panda_caviar`)."""

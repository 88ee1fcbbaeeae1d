"""Semantic segmentation (C4W3A2): the course's U-Net on CARLA frames."""

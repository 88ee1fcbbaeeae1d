"""Object detection (C4W3A1): YOLO decoding, YOLOv2, its loss, a shapes detector, mAP."""

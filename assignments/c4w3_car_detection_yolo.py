"""Lab c4w3-yolo: Car detection with YOLO (YOLOv2 decoding, filtering, non-max suppression).

Runs the lab and prints our numbers next to the course's; without YOLOv2 weights it says so.

Usage: python assignments/c4w3_car_detection_yolo.py [--quick] [--out DIR]
       [--data DIR] [--weights YOLO_WEIGHTS_H5]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w3-yolo", *sys.argv[1:]]))

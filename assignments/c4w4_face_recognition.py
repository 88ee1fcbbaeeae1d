"""Lab c4w4-face: Face recognition (FaceNet, triplet loss, verify / who_is_it).

Runs the lab; without FaceNet weights it says that the encodings are untrained.

Usage: python assignments/c4w4_face_recognition.py [--quick] [--out DIR]
       [--data DIR] [--weights FACENET_H5]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w4-face", *sys.argv[1:]]))

"""Face recognition (C4W4A1): FaceNet, the triplet loss, verify / who_is_it, triplet training."""

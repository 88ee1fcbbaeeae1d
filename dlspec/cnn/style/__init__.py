"""Neural style transfer (C4W4A2): the course's costs, backbones, the resumable optimisation."""

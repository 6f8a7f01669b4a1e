"""DigitSight's training scripts, one per network. Run them from the repository root as modules:

    python -m training.train          # the digit classifier -> models/digitsight_cnn.keras
    python -m training.train_pairs    # the pair model       -> models/digitsight_pairs.keras
    python -m training.train_chains   # the chain model      -> models/digitsight_chains.keras

``common.py`` holds what they share: the convolution block, the one-cycle schedule, the
command line, the recipe of the pair and chain models and the evaluation report writer.
Their training images are drawn by ``digitsight.synthetic``.
"""

import os

# Set before any script imports TensorFlow (Python runs this file first): keeps its C++
# start-up messages (oneDNN, CUDA probes) out of the training log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

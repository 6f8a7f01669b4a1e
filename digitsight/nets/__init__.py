"""The three networks that read candidate images: digits, pairs of touching digits, rows of digits.

``base`` holds what they share (loading once, batching, the one compiled model call);
``digits``, ``pairs`` and ``chains`` each say what their net reads and returns;
``models`` loads the three together and runs them on one image's candidates.
TensorFlow is imported only when a model is first loaded.
"""

from digitsight.nets.base import CHAIN, DIGIT, PAIR, Net
from digitsight.nets.models import Models, load_models

__all__ = ["CHAIN", "DIGIT", "PAIR", "Models", "Net", "load_models"]

"""DigitSight: read handwritten numbers from photos, scans and drawings.

The one entry point most users need::

    import digitsight
    reading = digitsight.read("photo.jpg")
    print(reading.number)

Heavy modules (TensorFlow, OpenCV) load on first use, not on import.
"""

from digitsight.errors import DigitSightError

__all__ = ["DigitSightError", "Reading", "read"]


def __getattr__(name: str):
    # Lazy, so `import digitsight` (and `python -m digitsight --help`) stays instant.
    if name in ("read", "Reading"):
        from digitsight import reading

        return getattr(reading, name)
    raise AttributeError(f"module 'digitsight' has no attribute {name!r}")

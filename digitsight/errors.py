"""The one exception type users of DigitSight need to catch."""


class DigitSightError(Exception):
    """A problem with the user's input or environment, with a message fit to show them."""

"""Doubt in words: "I am not sure about the third digit." for a reading that is not sure.

The dashboard shows the sentence under the number and the speech says it after the
number, so that a doubtful reading is flagged to someone who does not read the figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digitsight.result import Reading

_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip
# More unsure digits than this are counted, not listed: a list of five ordinals is no longer heard.
MAX_LISTED = 3


def ordinal(n: int) -> str:
    """1 -> "first", ..., 20 -> "twentieth", then "21st", "22nd", "23rd", "24th", ..."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def doubt_sentence(reading: Reading) -> str:
    """What to tell the user about how sure ``reading`` is; "" for a sure reading or one without digits.

    Examples: "I am not sure about the third digit.", "I am not sure about the first and
    fourth digits.", "I am not sure about the second digit of line 2.", "I am not sure about
    5 of the 12 digits.", and "I am not sure about this reading." where no single digit is
    in doubt but together they are (or a mark was dropped as no digit).
    """
    if reading.sure or not reading.digits:
        return ""
    unsure = [(index, digit) for index, digit in enumerate(reading.digits) if digit.unsure]
    if not unsure:
        return "I am not sure about this reading."
    if len(unsure) > MAX_LISTED:
        return f"I am not sure about {len(unsure)} of the {len(reading.digits)} digits."
    several_lines = len({digit.line for digit in reading.digits}) > 1
    places = []
    for index, digit in unsure:
        if several_lines:
            position = sum(1 for other in reading.digits[:index] if other.line == digit.line) + 1
            places.append(f"{ordinal(position)} digit of line {digit.line + 1}")
        else:
            places.append(f"{ordinal(index + 1)} digit")
    if several_lines:
        return f"I am not sure about the {_listed(places)}."
    noun = "digit" if len(places) == 1 else "digits"
    return f"I am not sure about the {_listed([place.removesuffix(' digit') for place in places])} {noun}."

"""What to say for a reading: ``spoken_text(reading)`` -> "The number is 12,345." (speech.py renders it).

Kept apart from the engine (``digitsight.speech``) so that the app's captions, the
browser's own speech and the WAV all say the same sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digitsight.doubt import doubt_sentence

if TYPE_CHECKING:
    from digitsight.result import Reading

STYLES = ("number", "digits")

# Up to this many digits a line is said as a number ("one hundred twenty-three million ..."). Beyond it,
# a spoken number takes longer than its digits and a listener cannot hold it; and a handwritten string of
# ten or more digits is nearly always an identifier (phone, account, card number) that people read digit
# by digit. Nine digits keeps amounts up to 999,999,999 as numbers.
MAX_NUMBER_DIGITS = 9

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _as_lines(reading: Reading | str) -> list[str]:
    if isinstance(reading, str):
        lines = reading.split()
    else:
        lines = [line.strip() for line in reading.lines] or reading.number.split()
    lines = [line for line in lines if line]
    for line in lines:
        if not (line.isascii() and line.isdigit()):
            raise ValueError(f"a reading holds digits only, got {line!r}")
    return lines


def _digit_by_digit(line: str) -> str:
    return ", ".join(_DIGIT_WORDS[int(char)] for char in line)


def _as_number(line: str, style: str) -> bool:
    # A leading zero would vanish if said as a number ("007" -> "seven"): such lines go digit by digit.
    return style == "number" and len(line) <= MAX_NUMBER_DIGITS and not (len(line) > 1 and line[0] == "0")


def _say_line(line: str, style: str) -> str:
    if _as_number(line, style):
        # Grouped with commas: espeak-ng and browser voices both say "12,345" as twelve thousand three
        # hundred forty-five, and the same sentence reads well as a caption.
        return f"{int(line):,}"
    return _digit_by_digit(line)


def spoken_text(reading: Reading | str, style: str = "number") -> str:
    """The English sentence to say for ``reading``.

    ``reading`` is a :class:`digitsight.reading.Reading` or a string of digits with lines separated by
    whitespace. ``style`` is ``"number"`` (``"The number is 12,345."``) or ``"digits"``
    (``"The digits are one, two, three, four, five."``). In the number style a line with a leading zero or
    more than ``MAX_NUMBER_DIGITS`` digits is still said digit by digit. Several lines are said in turn:
    ``"There are 2 lines. Line 1: 12,345. Line 2: zero, zero, seven."``. A Reading that is not sure
    ends with its doubt (``digitsight.doubt``): ``"... I am not sure about the third digit."``. No digits
    gives ``"No digits were found."``. Raises ``ValueError`` for an unknown style or a non-digit character.
    """
    if style not in STYLES:
        raise ValueError(f"unknown speech style {style!r}; choose one of {', '.join(STYLES)}")
    lines = _as_lines(reading)
    if not lines:
        return "No digits were found."
    if len(lines) == 1:
        line = lines[0]
        lead = "The number is" if _as_number(line, style) else "The digit is" if len(line) == 1 else "The digits are"
        parts = [f"{lead} {_say_line(line, style)}."]
    else:
        parts = [f"There are {len(lines)} lines."]
        parts += [f"Line {index}: {_say_line(line, style)}." for index, line in enumerate(lines, start=1)]
    if not isinstance(reading, str):
        parts.append(doubt_sentence(reading))  # "I am not sure about the third digit.", "" for a sure reading
    return " ".join(part for part in parts if part)

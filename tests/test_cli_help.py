"""`python -m digitsight --help` works, quickly, without loading TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest

from digitsight.cli import main


def test_help_lists_every_subcommand() -> None:
    result = subprocess.run([sys.executable, "-m", "digitsight", "--help"], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    for command in ("read", "evaluate", "say"):
        assert command in result.stdout


def test_no_subcommand_prints_help_and_succeeds(capsys) -> None:
    assert main([]) == 0
    assert "usage:" in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["juggle"])
    assert exit_info.value.code == 2


def test_importing_the_package_does_not_load_tensorflow() -> None:
    code = "import sys, digitsight, digitsight.cli; print('tensorflow' in sys.modules, 'streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert result.stdout.split() == ["False", "False"]

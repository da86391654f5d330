"""The command line explains itself."""

from __future__ import annotations

import argparse

import pytest

from folio.cli import parser

from .conftest import run_cli


def test_every_option_has_help_text() -> None:
    for action in parser()._actions:
        if action.help == argparse.SUPPRESS:
            continue  # --timings: for the benchmark only
        assert action.help and len(action.help) > 10, action.option_strings


def test_a_wrong_command_line_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("--profile", "poster")
    assert caught.value.code == 2
    assert "invalid choice: 'poster'" in capsys.readouterr().err

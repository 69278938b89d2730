"""What the command-line tools share: one readable line per warning, and an ``error:`` line with an exit code
instead of a traceback.

Exit codes (documented in each tool's ``--help``): 0 done, 1 a bug (a traceback: please report it), 2 a user
mistake (bad argument, unreadable file, ...: our checks raise ``ValueError``/``OSError`` naming it), 3 the network
failed (NaN/inf output: not the user's input, but no traceback either).
"""
from __future__ import annotations

import sys
import warnings
from typing import Callable, TypeVar

__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_MODEL", "run_cli", "positive_int", "name_path"]

EXIT_OK, EXIT_USAGE, EXIT_MODEL = 0, 2, 3
T = TypeVar("T")


def run_cli(step: Callable[[], T]) -> tuple[int, T | None]:
    """Run a tool's work with warnings shown as ``warning: ...`` lines and errors turned into exit codes.

    Parameters
    ----------
    step : callable
        The work; no arguments.

    Returns
    -------
    (int, object)
        ``(EXIT_OK, its result)``, or ``(EXIT_USAGE / EXIT_MODEL, None)`` after printing ``error: ...`` on stderr.
    """
    original_format = warnings.formatwarning
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    try:
        return EXIT_OK, step()
    except (ValueError, OSError) as exc:  # user mistakes: our checks raise these, naming the argument
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE, None
    except RuntimeError as exc:  # the network failed (NaN/inf): not the user's input, but no traceback either
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL, None
    finally:
        warnings.formatwarning = original_format


# --------------------------------------------------------------------------- argparse types the tools share
def positive_int(text: str) -> int:
    """``argparse`` type: an integer >= 1 (the message names the bad value)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def name_path(text: str) -> tuple[str, str]:
    """``argparse`` type: ``NAME=PATH`` (e.g. ``--model PoT=training/weights/pot_fast.pth``) -> ``(name, path)``."""
    import argparse

    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name.strip(), path.strip()

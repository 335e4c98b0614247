"""How a command module registers its subcommands, and the argument types they share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

Handler = Callable[[argparse.Namespace], int]
# add(name, handler, help) -> the subcommand's parser, its handler already set
Add = Callable[[str, Handler, str], argparse.ArgumentParser]


def iso_date(value: str) -> date:
    """An argparse type: a YYYY-MM-DD day, or a usage error naming the bad value."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None

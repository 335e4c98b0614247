"""The one error a command raises for a problem the user can fix; ``cli.main`` prints it as one line."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""

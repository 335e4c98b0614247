"""What every benchmark's command line starts with: its ``--help`` from the module's docstring, and the product's
file mode (what a bench writes — homes, warehouses, logs — is owner-only, as the ``voxlink`` commands write it)."""

from __future__ import annotations

import argparse


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser described by the first line of ``doc``; sets the owner-only file mode first."""
    from voxlink.files import owner_only

    owner_only()
    return argparse.ArgumentParser(description=(doc or "").splitlines()[0])

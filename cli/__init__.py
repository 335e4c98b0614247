"""The ``voxlink`` command line: the one layer that composes the operational core, the pipeline, the app and
the exports (``voxlink/`` is the base they all share and imports none of them)."""

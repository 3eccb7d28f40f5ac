"""nbval runs each notebook with its exercises answered by their solutions.

The notebooks ship their solutions as collapsed markdown (a learner's Run All never executes
them, see tests/answers.py). Under ``--nbval``/``--nbval-lax`` each notebook is read, the
solutions are typed into the exercise cells, and nbval executes that, so a solution that
drifts from the cloud or from its check fails the suite (with ``OSWORKSHOP_STRICT=1``, a check
that answers "Not yet" raises).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    try:
        from nbval import plugin
    except ImportError:  # nbval is not installed: notebooks are not collected anyway
        return
    if getattr(plugin.IPyNbFile.collect, "solved", False):
        return
    import nbformat

    from tests.answers import solved

    shipped_collect = plugin.IPyNbFile.collect

    def collect(self: Any) -> Iterator[Any]:
        """nbval's collect, reading the notebook with its solutions typed in."""
        real = plugin.nbformat
        plugin.nbformat = types.SimpleNamespace(
            read=lambda path, as_version: solved(nbformat.read(path, as_version=as_version))
        )
        try:
            yield from shipped_collect(self)
        finally:
            plugin.nbformat = real

    collect.solved = True  # type: ignore[attr-defined]
    plugin.IPyNbFile.collect = collect

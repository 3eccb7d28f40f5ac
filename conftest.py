"""nbval runs each notebook with its exercises answered by their solutions.

The notebooks ship their solutions as collapsed markdown (a learner's Run All never executes
them, see tests/answers.py). Under ``--nbval``/``--nbval-lax`` each notebook is read, the
solutions are typed into the exercise cells, and nbval executes that, so a solution that
drifts from the cloud or from its check fails the suite (with ``OSWORKSHOP_STRICT=1``, a check
that answers "Not yet" raises).

nbval's run is also the learner's *Restart Kernel and Run All* after a correct answer: before
nbval's kernel starts, the answered notebook runs up to its last check in a kernel of its own
(``tests.answers.first_pass``), so nbval's run starts from the servers, flavors and volumes that
left, and must pass with no 409 or duplicate. After nbval's run, the demo project must hold
what it held before the first pass (``tests.answers.demo_inventory``).
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

    shipped_setup, shipped_teardown = plugin.IPyNbFile.setup, plugin.IPyNbFile.teardown

    def setup(self: Any) -> None:
        """The learner's first, answered run; then nbval's kernel (the restart)."""
        import os
        from pathlib import Path

        from tests.answers import demo_inventory, first_pass, read, run, without_own

        path = Path(str(self.fspath))
        self.inventory_before = without_own(demo_inventory(path), path)  # the setup cell
        # removes what an earlier run of this notebook left
        first = first_pass(solved(read(path)))
        if first is not None:
            run(first, path, {**os.environ, "OSWORKSHOP_STRICT": "1"})
        shipped_setup(self)

    def teardown(self: Any) -> None:
        from pathlib import Path

        from tests.answers import demo_inventory

        shipped_teardown(self)
        before = getattr(self, "inventory_before", None)
        if before is not None:
            after = demo_inventory(Path(str(self.fspath)))
            assert after == before, f"{Path(str(self.fspath)).name} left something in the demo project"

    setup.first_pass = True  # type: ignore[attr-defined]
    plugin.IPyNbFile.setup, plugin.IPyNbFile.teardown = setup, teardown

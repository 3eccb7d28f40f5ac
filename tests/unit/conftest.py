"""Unit tests see exercise checks as a learner does: a failed check returns, it does not raise.

(`labsetup test` sets OSWORKSHOP_STRICT for the notebooks; tests that need it set it themselves.)
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)

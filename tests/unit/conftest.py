"""Unit tests see exercise checks as a learner does: a failed check returns, it does not raise.

(`labsetup test` sets OSWORKSHOP_STRICT for the notebooks; tests that need it set it themselves.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


@pytest.fixture
def use_clouds_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Make a clouds.yaml with the given text the only one openstacksdk reads, with no cloud
    chosen by the environment."""
    def use(text: str) -> Path:
        path = tmp_path / "clouds.yaml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        monkeypatch.setattr("openstack.config.loader.CONFIG_FILES", [])
        for var in ("OS_CLOUD", "OSWORKSHOP_CLOUD", "OS_AUTH_URL", "OS_PASSWORD", "OS_USERNAME"):
            monkeypatch.delenv(var, raising=False)
        return path
    return use


@pytest.fixture
def student_clouds_yaml(use_clouds_yaml: Callable[[str], Path]) -> Path:
    """A classroom student's clouds.yaml (no lab-admin in it)."""
    return use_clouds_yaml(
        "clouds:\n  lab-demo:\n    auth: {auth_url: 'http://127.0.0.1:9/v3', username: ada,"
        " password: x, project_name: class-ada}\n    osworkshop: {classroom: true, student: Ada}\n"
    )

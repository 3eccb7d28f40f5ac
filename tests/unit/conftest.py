"""Unit tests see exercise checks as a learner does: a failed check returns, it does not raise.

(`labsetup test` sets OSWORKSHOP_STRICT for the notebooks; tests that need it set it themselves.)
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


@pytest.fixture
def student_clouds_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The only clouds.yaml openstacksdk reads: a classroom student's (no lab-admin in it)."""
    f = tmp_path / "clouds.yaml"
    f.write_text(
        "clouds:\n  lab-demo:\n    auth: {auth_url: 'http://127.0.0.1:9/v3', username: ada,"
        " password: x, project_name: class-ada}\n    osworkshop: {classroom: true, student: Ada}\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(f))
    monkeypatch.setattr("openstack.config.loader.CONFIG_FILES", [])
    monkeypatch.delenv("OS_CLOUD", raising=False)
    monkeypatch.delenv("OSWORKSHOP_CLOUD", raising=False)
    return f

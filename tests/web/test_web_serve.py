"""``quotaplan serve``'s refusals: said in words with the right exit code, before anything is served."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotaplan.cli import app

runner = CliRunner()


def test_a_port_in_use_is_a_usage_error(team_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--db", team_url, "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "--port" in result.output


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_out_of_range_is_a_usage_error(team_url: str, port: str) -> None:
    result = runner.invoke(app, ["serve", "--db", team_url, "--port", port])
    assert result.exit_code == 2
    assert "give a port from 1 to 65535" in result.output


def test_a_store_never_upgraded_names_the_command(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'empty.db'}", "--port", str(port)])
    assert result.exit_code == 1
    assert "quotaplan db upgrade" in result.output


def test_a_short_secret_is_refused(team_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUOTAPLAN_SECRET", "short")
    result = runner.invoke(app, ["serve", "--db", team_url])
    assert result.exit_code == 2
    assert "QUOTAPLAN_SECRET is shorter than 16 characters" in result.output

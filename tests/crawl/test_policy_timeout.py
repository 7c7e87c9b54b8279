"""--policy-timeout: how long a policy document may take before it counts as unreachable.

The real web has robots.txt servers that hang; a compliance crawl must give up on them (and
read the host as "disallow all", RFC 9309 §2.3.1.4), after a time the user can set for slow
networks. The demo web's slow-robots.net holds its robots.txt connection open without answering.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from provenance.store import open_store
from provenance.store.models import HostSnapshot
from tests.conftest import DemoWebProcess, run_cli


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "inf"])
def test_a_policy_timeout_that_is_not_positive_is_one_line(tmp_path: Path, seconds: str) -> None:
    result = run_cli(
        "crawl", "http://slow-robots.net/", "--out", str(tmp_path), "--policy-timeout", seconds,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "timeouts must be positive" in result.stderr + result.stdout
    assert not (tmp_path / "provtrack.db").exists()


def test_the_policy_timeout_given_bounds_a_hanging_robots_txt(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    run_cli(
        "crawl", "http://slow-robots.net/", "--out", str(tmp_path), "--policy-timeout", "1.5",
        *demoweb.proxy_args, check=False,
    )  # fmt: skip
    store = open_store(str(tmp_path / "provtrack.db"))
    with store.session() as session:
        rows = session.exec(
            select(HostSnapshot).where(HostSnapshot.host == "slow-robots.net")
        ).all()
    robots = [r for r in rows if r.kind == "robots"]
    assert robots, [r.kind for r in rows]
    assert robots[0].outcome == "unreachable"
    assert "1.5 seconds" in robots[0].reason, robots[0].reason

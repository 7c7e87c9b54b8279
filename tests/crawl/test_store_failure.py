"""A store that fails in the middle of a crawl stops the crawl, loudly.

A crawl whose rows cannot be written must not go on fetching and end "finished" with exit 0:
its summary would count images the store never received, and an investigator would read the
run as complete. Here the store is real PostgreSQL and the failure a real one (the ``image``
table goes away under the running crawl, as a DBA's mistake or a restored backup would do it).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from provenance.store import open_store
from provenance.store.models import Image
from tests.conftest import POSTGRES_URL, REPO, DemoWebProcess


@pytest.mark.postgres
def test_a_store_that_fails_mid_crawl_ends_the_crawl_non_zero(
    demoweb: DemoWebProcess, manifest: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    run_id = f"storefail-{uuid.uuid4().hex[:6]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "provtrack", "crawl", *manifest["seeds"], "--mode", "reproduce",
         "--db", pg_url, "--out", str(tmp_path), "--run-id", run_id, *demoweb.proxy_args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    store = open_store(pg_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if store.count(Image, run_id=run_id) >= 5:
                break
        except Exception:  # noqa: S110 - the schema may not exist yet
            pass
        time.sleep(0.2)
    else:
        pytest.fail("the crawl ended (or stalled) before it stored five images")
    schema = pg_url.rsplit("search_path%3D", 1)[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'ALTER TABLE "{schema}".image RENAME TO image_gone')
    out, err = proc.communicate(timeout=300)
    assert proc.returncode != 0, out[-2000:]
    last = err.strip().splitlines()[-1]
    assert "the store failed" in last, last
    assert 'relation "image" does not exist' in last, last
    assert "Traceback" not in err, err[-3000:]

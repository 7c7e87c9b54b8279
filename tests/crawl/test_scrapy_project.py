"""provtrack inside somebody else's Scrapy project, as a new user switches it on.

A fresh ``scrapy startproject`` gets a spider of its own (it follows links and yields
``image_urls`` items for Scrapy's ``ImagesPipeline``) and provtrack in ``settings.py`` only.
``scrapy crawl`` then runs over the demo web through its proxy, as a subprocess, and the records
are compared with the demo web's manifest as the CLI crawl's are: the same decision and reasons
for every image the spider reached, and no file left by ``ImagesPipeline`` for an image an
opt-out forbids. The same spider runs without provtrack and in reproduce mode, side by side.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provenance.store import open_store
from provenance.store.models import CrawlRun
from tests.conftest import REPO, DemoWebProcess, run_cli

DECISION = {"collect": "collected", "skip": "skipped", "fail": "failed"}

SPIDER = '''
import scrapy
from scrapy.http import TextResponse


class PhotosSpider(scrapy.Spider):
    """A team's own crawler: every page of the sites, every <img> for ImagesPipeline."""

    name = "photos"

    def __init__(self, seeds="", hosts="", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = seeds.split(",")
        self.allowed_domains = hosts.split(",")

    def parse(self, response):
        if not isinstance(response, TextResponse):
            return
        images = [response.urljoin(src) for src in response.css("img::attr(src)").getall()]
        if images:
            yield {"page": response.url, "image_urls": images}
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)
'''

IMAGES = """
ITEM_PIPELINES = {"scrapy.pipelines.images.ImagesPipeline": 1}
IMAGES_STORE = "images"
DEPTH_LIMIT = 4
LOG_LEVEL = "INFO"
# the template's politeness (one request a second per host) is the project's choice; the demo
# web is local, and a test has minutes, not hours
DOWNLOAD_DELAY = 0
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# a demo host answers robots.txt slowly on purpose: Scrapy's 180 s, retried twice, is 9 minutes
DOWNLOAD_TIMEOUT = 20
RETRY_TIMES = 1
"""

PROVTRACK = """
ADDONS = {{"crawler.addon.ProvtrackAddon": 0}}
PROVTRACK_MODE = "{mode}"
PROVTRACK_OUT = "provtrack-out"
PROVTRACK_PROXY = "{proxy}"
PROVTRACK_ALLOW_HOSTS = {hosts!r}
PROVTRACK_MEDIA_WORKERS = 1
"""


@dataclass
class ProjectRun:
    """One ``scrapy crawl`` of the project: what ImagesPipeline kept and provtrack recorded."""

    root: Path
    result: subprocess.CompletedProcess[str]
    reached: set[str]
    kept: set[str]
    records: dict[str, dict[str, Any]]

    def file_of(self, url: str) -> Path:
        """Where ImagesPipeline stores the image of a URL (its default file_path)."""
        return (
            self.root
            / "images"
            / "full"
            / f"{hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()}.jpg"
        )


def _project(tmp: Path, name: str, extra_settings: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "scrapy", "startproject", name],
        cwd=tmp,
        check=True,
        capture_output=True,
        text=True,
    )
    root = tmp / name
    (root / name / "spiders" / "photos.py").write_text(SPIDER)
    settings = root / name / "settings.py"
    settings.write_text(settings.read_text() + IMAGES + extra_settings)
    return root


def _crawl(root: Path, web: DemoWebProcess, manifest: dict[str, Any]) -> ProjectRun:
    hosts = sorted({h["host"] for h in manifest["hosts"]})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "photos",
            "-a",
            f"seeds={','.join(manifest['seeds'])}",
            "-a",
            f"hosts={','.join(hosts)}",
            "-O",
            "items.jsonl",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        # the demo web is reached through its proxy (what Scrapy's HttpProxyMiddleware reads)
        env={**os.environ, "PYTHONPATH": str(REPO), "http_proxy": web.url},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    items = [json.loads(line) for line in (root / "items.jsonl").read_text().splitlines()]
    reached = {u for item in items for u in item["image_urls"]}
    kept = {img["url"] for item in items for img in item.get("images", [])}
    records: dict[str, dict[str, Any]] = {}
    out = root / "provtrack-out"
    if (out / "provtrack.db").exists():
        run_cli("export", "--out", str(out), "--format", "jsonl")
        lines = (out / "export" / "records.jsonl").read_text().splitlines()
        records = {r["image_url"]: r for r in map(json.loads, lines)}
    return ProjectRun(root, result, reached, kept, records)


def _reasons(record: dict[str, Any]) -> set[str]:
    return {r["value"] if r["kind"] == "failure" else r["kind"] for r in record["reasons"]}


def _compare(run: ProjectRun, manifest: dict[str, Any], mode: str) -> list[str]:
    """The CLI crawl test's comparison, over the images this spider reached."""
    problems = []
    truth = {i["url"]: i for i in manifest["images"]}
    for url in sorted(run.reached - set(run.records)):
        if url in truth:
            problems.append(f"{url}: reached by the spider, no record")
    for url, record in sorted(run.records.items()):
        image = truth.get(url)
        if image is None:
            problems.append(f"{url}: a record for an image the manifest does not list")
            continue
        expect = image["expect"][mode]
        if expect["decision"] == "unseen":
            problems.append(f"{url}: unseen expected (its page is refused), got a record")
            continue
        if record["decision"] != DECISION[expect["decision"]]:
            problems.append(
                f"{url}: {record['decision']} != {expect['decision']} "
                f"(reasons {sorted(_reasons(record))})"
            )
            continue
        if expect["decision"] in ("skip", "fail") and _reasons(record) != set(expect["reasons"]):
            problems.append(f"{url}: reasons {sorted(_reasons(record))} != {expect['reasons']}")
        if mode == "compliant" and expect["decision"] == "skip":
            if record["stage"] != expect["stage"]:
                problems.append(f"{url}: stage {record['stage']} != {expect['stage']}")
    return problems


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scrapy-project")


def _run(tmp: Path, web: DemoWebProcess, manifest: dict[str, Any], mode: str) -> ProjectRun:
    if mode == "plain":
        return _crawl(_project(tmp, "plain", ""), web, manifest)
    hosts = sorted({h["host"] for h in manifest["hosts"]}) if mode == "reproduce" else []
    settings = PROVTRACK.format(mode=mode, proxy=web.url, hosts=hosts)
    return _crawl(_project(tmp, mode, settings), web, manifest)


@pytest.fixture(scope="module")
def plain_run(project_dir: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]) -> ProjectRun:
    """The project's spider without provtrack (Scrapy's template: ROBOTSTXT_OBEY = True)."""
    return _run(project_dir, demoweb, manifest, "plain")


@pytest.fixture(scope="module")
def compliant_run(
    project_dir: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> ProjectRun:
    """The same spider with provtrack in compliant mode (settings.py only)."""
    return _run(project_dir, demoweb, manifest, "compliant")


@pytest.fixture(scope="module")
def reproduce_run(
    project_dir: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> ProjectRun:
    """The same spider with provtrack in reproduce mode, the demo web's hosts allowed."""
    return _run(project_dir, demoweb, manifest, "reproduce")


@pytest.fixture
def runs(
    plain_run: ProjectRun, compliant_run: ProjectRun, reproduce_run: ProjectRun
) -> dict[str, ProjectRun]:
    return {"plain": plain_run, "compliant": compliant_run, "reproduce": reproduce_run}


@pytest.mark.timeout(600)
def test_compliant_records_match_the_manifest(
    compliant_run: ProjectRun, manifest: dict[str, Any]
) -> None:
    assert len(compliant_run.records) >= 40, f"only {len(compliant_run.records)} image records"
    problems = _compare(compliant_run, manifest, "compliant")
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(600)
def test_reproduce_records_match_the_manifest(
    reproduce_run: ProjectRun, manifest: dict[str, Any]
) -> None:
    assert len(reproduce_run.records) >= 40, f"only {len(reproduce_run.records)} image records"
    problems = _compare(reproduce_run, manifest, "reproduce")
    assert not problems, "\n".join(problems)


def test_no_file_is_left_for_an_image_an_opt_out_forbids(compliant_run: ProjectRun) -> None:
    run = compliant_run
    skipped = [u for u, r in run.records.items() if r["decision"] == "skipped"]
    assert len(skipped) >= 10
    left = [u for u in skipped if run.file_of(u).exists() or u in run.kept]
    assert not left, f"ImagesPipeline kept opted-out images: {left}"
    collected = [u for u, r in run.records.items() if r["decision"] == "collected"]
    assert collected
    assert all(run.file_of(u).exists() for u in collected)


def test_the_run_is_the_add_ons(compliant_run: ProjectRun, reproduce_run: ProjectRun) -> None:
    """One run row per crawl, finished, with provtrack's user agent and its summary."""
    runs = {"compliant": compliant_run, "reproduce": reproduce_run}
    for mode in ("compliant", "reproduce"):
        store = open_store(str(runs[mode].root / "provtrack-out" / "provtrack.db"))
        [run] = store.all(CrawlRun)
        assert run.mode == mode
        assert run.status == "finished"
        assert run.user_agent.startswith("provtrack/")
        assert run.summary["counts"]["pages_fetched"] > 10
        assert run.settings["spider"] == "photos"
        log = runs[mode].result.stderr
        assert (
            "RobotsTxtMiddleware" not in log.split("Enabled downloader middlewares:", 1)[1][:3000]
        )


@pytest.mark.timeout(600)
def test_side_by_side_without_provtrack_and_in_each_mode(
    runs: dict[str, ProjectRun], manifest: dict[str, Any]
) -> None:
    """Without provtrack (Scrapy's template obeys robots.txt, nothing else) the pipeline keeps
    images that opt-outs forbid; compliant keeps none of them; reproduce keeps what is
    reachable and records what it overrode."""
    plain, compliant, reproduce = runs["plain"], runs["compliant"], runs["reproduce"]
    truth = {i["url"]: i for i in manifest["images"]}
    rows = [
        ("images the spider yielded", {k: len(r.reached) for k, r in runs.items()}),
        ("image files ImagesPipeline kept", {k: len(r.kept) for k, r in runs.items()}),
    ]
    print()
    print(f"{'':36} {'without':>9} {'compliant':>10} {'reproduce':>10}")
    for label, counts in rows:
        print(
            f"{label:36} {counts['plain']:>9} {counts['compliant']:>10} {counts['reproduce']:>10}"
        )
    forbidden = {
        u
        for u in plain.kept
        if truth.get(u, {}).get("expect", {}).get("compliant", {}).get("decision")
        in ("skip", "unseen")
    }
    print(
        f"{'kept although an opt-out forbids':36} {len(forbidden):>9} "
        f"{len(compliant.kept & forbidden):>10} {len(reproduce.kept & forbidden):>10}"
    )
    assert len(forbidden) >= 5, "the template's robots.txt obedience leaves most opt-outs unread"
    assert not compliant.kept & forbidden
    assert compliant.kept <= plain.kept | reproduce.kept
    assert len(reproduce.kept) > len(compliant.kept)
    overridden = [r for r in reproduce.records.values() if r["overridden"]]
    assert len(overridden) >= 10


def test_a_conflicting_project_setting_is_refused_in_one_line(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    settings = PROVTRACK.format(mode="compliant", proxy=demoweb.url, hosts=[])
    root = _project(tmp_path, "refused", settings + 'USER_AGENT = "Mozilla/5.0 (stealth)"\n')
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "photos", "-a", "seeds=http://maplebook.ca/"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode != 0
    line = (
        "provtrack refuses to start: USER_AGENT='Mozilla/5.0 (stealth)' in the project's settings "
        "conflicts with provtrack (keep the 'provtrack' token)"
    )
    assert line in result.stderr
    assert not (root / "provtrack-out" / "provtrack.db").exists()

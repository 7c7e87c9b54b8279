"""robots.txt: the real corpus, agreement with Protego, RFC 9309 status semantics, the AI panel."""

from __future__ import annotations

import codecs
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from protego import Protego

from provenance.observation import Status
from provenance.signals._robotsparse import query_name
from provenance.signals.model import Level, SignalKind
from provenance.signals.robotstxt import (
    ROBOTS_MAX_BYTES,
    RobotsOutcome,
    RobotsSnapshot,
    Verdict,
    ai_agent_panel,
)
from tests.signals.conftest import fixture_dir

ROBOTS_URL = "https://example.com/robots.txt"
AGENTS = ["provtrack", "*", "Googlebot", "googlebot-image", "GPTBot"]
BASE_PATHS = ["/", "/a/b?c=d", "/%7Euser/", "/img/photo.jpg"]


def snapshot(text: str | bytes, status: int | None = 200, error: str | None = None):
    body = text.encode("utf-8") if isinstance(text, str) else text
    return RobotsSnapshot.from_fetch(ROBOTS_URL, status, body, error)


def corpus() -> list[Path]:
    return sorted(fixture_dir("robots", "protego").iterdir())


def test_corpus_parses_without_exception_and_classifies_every_file() -> None:
    # Figures for the 1,416 files of ../shared/fixtures/robots/protego (2019 snapshots):
    # every file is read (UTF-8, or ISO-8859-1 for the 4 that are not UTF-8); 51 hold no
    # robots.txt directive (mostly HTML pages served as robots.txt, one Windows .ico) and are
    # "unparseable"; go.com is larger than the 512 KiB cap and is "too_large".
    statuses: Counter[str] = Counter()
    encodings: Counter[str | None] = Counter()
    for path in corpus():
        snap = RobotsSnapshot.from_fetch(
            f"http://{path.name}/robots.txt", 200, path.read_bytes(), None
        )
        assert snap.outcome is RobotsOutcome.PARSED
        statuses[snap.status.value] += 1
        encodings[snap.encoding] += 1
    assert sum(statuses.values()) == 1416
    assert statuses == {"ok": 1364, "unparseable": 51, "too_large": 1}
    assert encodings == {"utf-8": 1412, "iso-8859-1": 4}


def test_corpus_oddities_named_in_sources() -> None:
    root = fixture_dir("robots", "protego")

    def read(name: str) -> RobotsSnapshot:
        return RobotsSnapshot.from_fetch(
            f"http://{name}/robots.txt", 200, (root / name).read_bytes(), None
        )

    ico = read("www.pch.com")
    assert ico.status is Status.UNPARSEABLE
    assert "binary" in ico.reason
    assert ico.can_fetch("http://www.pch.com/anything").verdict is Verdict.ALLOW
    html = read("alight.com")
    assert html.status is Status.UNPARSEABLE
    assert "HTML page" in html.reason
    empty = read("getfireshot.com")
    assert empty.status is Status.OK
    assert empty.size == 0
    for name in ("www.europarl.europa.eu", "www.opentext.com", "www.turktelekom.com.tr"):
        assert read(name).encoding == "iso-8859-1"
    big = read("go.com")
    assert big.status is Status.TOO_LARGE
    assert big.truncated


def _sample_paths(snap: RobotsSnapshot) -> list[str]:
    """Base paths plus, for a few rules of the file, a path each rule should match."""
    paths = list(BASE_PATHS)
    patterns = re.findall(r"(?im)^\s*(?:dis)?allow\s*:\s*(\S+)", snap.text)
    for raw in patterns[:: max(1, len(patterns) // 4)][:4]:
        path = raw.replace("*", "x").rstrip("$")
        paths.append(path if path.startswith("/") else "/" + path)
        paths.append(paths[-1] + "z/1.jpg")
    return paths


def test_matching_line_agrees_with_protego_on_the_corpus() -> None:
    checks = disagreements = 0
    for path in corpus():
        snap = RobotsSnapshot.from_fetch(
            f"http://{path.name}/robots.txt", 200, path.read_bytes(), None
        )
        reference = Protego.parse(snap.text)
        lines = re.split(r"\r\n|\r|\n", snap.text)
        for sample in _sample_paths(snap):
            url = f"http://{path.name}{sample}"
            for agent in AGENTS:
                decision = snap.can_fetch(url, agent)
                expected = reference.can_fetch(url, query_name(agent))
                checks += 1
                disagreements += decision.allowed != expected
                assert decision.protego_allowed == expected
                if decision.line is not None:
                    # The evidence is the very line of the file that decided.
                    assert lines[decision.line - 1].strip() == decision.evidence
                    directive = re.split(r"[:\s]", decision.evidence.lower(), maxsplit=1)[0]
                    assert (directive == "allow") == (decision.verdict is Verdict.ALLOW)
    assert checks > 60_000
    assert disagreements == 0


@pytest.mark.parametrize(
    ("status", "error", "outcome", "verdict", "obs"),
    [
        # 2xx: parsed
        (200, None, RobotsOutcome.PARSED, Verdict.DISALLOW, Status.OK),
        # 4xx: unavailable, no restriction, recorded as such (RFC 9309 §2.3.1.3)
        (404, None, RobotsOutcome.UNAVAILABLE, Verdict.UNAVAILABLE, Status.ABSENT),
        (410, None, RobotsOutcome.UNAVAILABLE, Verdict.UNAVAILABLE, Status.ABSENT),
        # 401/403 refuse the crawler: the RFC's 4xx permission is a MAY; read fail closed
        (403, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
        (401, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
        # a redirect the crawler did not resolve: unknown, complete disallow (it used to be
        # read as "no robots.txt", failing open on every http -> https site)
        (301, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
        # 5xx / 429 / network error / timeout: complete disallow (§2.3.1.4); the body of a 5xx
        # is never parsed, unlike Scrapy which parses whatever it got
        (503, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
        (500, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
        (429, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
        (
            None,
            "TimeoutError: timed out",
            RobotsOutcome.UNREACHABLE,
            Verdict.UNREACHABLE,
            Status.FETCH_FAILED,
        ),
        (None, None, RobotsOutcome.UNREACHABLE, Verdict.UNREACHABLE, Status.FETCH_FAILED),
    ],
)
def test_fetch_status_semantics(
    status: int | None, error: str | None, outcome: RobotsOutcome, verdict: Verdict, obs: Status
) -> None:
    snap = snapshot("User-agent: *\nDisallow: /private/\n", status, error)
    assert snap.outcome is outcome
    assert snap.status is obs
    decision = snap.can_fetch("https://example.com/private/a.jpg")
    assert decision.verdict is verdict
    assert decision.restricts == (verdict in (Verdict.DISALLOW, Verdict.UNREACHABLE))
    robots = snap.signals_for("https://example.com/private/a.jpg")[0]
    assert robots.kind is SignalKind.ROBOTS
    assert robots.value == verdict.value
    assert robots.restricts == decision.restricts
    if status is not None and status != 200:
        assert robots.evidence == f"robots.txt: HTTP {status}"
    if error:
        assert error in robots.evidence


def test_unavailable_is_not_reported_as_allowed() -> None:
    decision = snapshot("", 404).can_fetch("https://example.com/x")
    assert decision.verdict is Verdict.UNAVAILABLE
    assert decision.allowed
    assert decision.verdict is not Verdict.ALLOW


def test_ai_robots_txt_blocks_every_panel_agent_and_not_provtrack() -> None:
    body = (fixture_dir("robots", "ai-robots-txt") / "robots.txt").read_bytes()
    snap = snapshot(body)
    lines = snap.text.splitlines()
    disallow_line = max(i for i, line in enumerate(lines, 1) if line.startswith("Disallow"))
    panel = snap.evaluate_panel("https://example.com/gallery/face.jpg")
    assert len(panel) == 2 + len(ai_agent_panel()) == 168
    reference = Protego.parse(snap.text)
    for agent, decision in panel.items():
        assert decision.allowed == reference.can_fetch(
            "https://example.com/gallery/face.jpg", query_name(agent)
        )
        if agent in ("provtrack", "*"):
            assert decision.verdict is Verdict.ALLOW, agent
            assert decision.line is None
            continue
        assert decision.verdict is Verdict.DISALLOW, agent
        assert decision.evidence == "Disallow: /"
        assert decision.line == disallow_line
        assert decision.group is not None
        assert agent.lower() in [a.lower() for a in decision.group]
        assert decision.group_line == 1


def test_pinned_panel_matches_the_source_list() -> None:
    source = json.loads((fixture_dir("robots", "ai-robots-txt") / "robots.json").read_text("utf-8"))
    assert list(ai_agent_panel()) == list(source)
    assert "GPTBot" in ai_agent_panel()
    assert "img2dataset" in ai_agent_panel()


RULES = """\
# comment line
User-agent: *
Disallow: /private/
Allow: /private/public/
Disallow: /*.gif$
Allow: /tie
Disallow: /tie
Crawl-delay: 2
Sitemap: https://example.com/sitemap.xml

User-agent: provtrack
Disallow: /no-provtrack/

User-agent: GPTBot
User-agent: CCBot
Disallow: /

User-agent: provtrack
Allow: /no-provtrack/ok
"""


@pytest.mark.parametrize(
    ("path", "agent", "verdict", "line"),
    [
        # longest match wins
        ("/private/x", "*", Verdict.DISALLOW, 3),
        ("/private/public/x", "*", Verdict.ALLOW, 4),
        # "*" and "$"
        ("/a/b.gif", "*", Verdict.DISALLOW, 5),
        ("/a/b.gif?x=1", "*", Verdict.ALLOW, None),
        # allow wins an exact tie
        ("/tie/x", "*", Verdict.ALLOW, 6),
        # provtrack has its own group, so the '*' group does not apply to it
        ("/private/x", "provtrack", Verdict.ALLOW, None),
        ("/no-provtrack/x", "provtrack", Verdict.DISALLOW, 12),
        # groups naming the same agent are merged; the evidence names the later group's line
        ("/no-provtrack/ok", "provtrack", Verdict.ALLOW, 19),
        # a full User-Agent header selects the group of its product token
        (
            "/no-provtrack/x",
            "provtrack/0.1 (+https://github.com/provtrack; consent-and-provenance research)",
            Verdict.DISALLOW,
            12,
        ),
        # agents sharing a group
        ("/anything", "CCBot", Verdict.DISALLOW, 16),
        ("/anything", "ccbot", Verdict.DISALLOW, 16),
        # /robots.txt is implicitly allowed
        ("/robots.txt", "GPTBot", Verdict.ALLOW, None),
    ],
)
def test_matching_semantics_and_line_evidence(
    path: str, agent: str, verdict: Verdict, line: int | None
) -> None:
    snap = snapshot(RULES)
    decision = snap.can_fetch("https://example.com" + path, agent)
    assert decision.verdict is verdict
    assert decision.line == line
    assert decision.protego_allowed == Protego.parse(RULES).can_fetch(
        "https://example.com" + path, query_name(agent)
    )


def test_group_crawl_delay_and_sitemaps() -> None:
    snap = snapshot(RULES)
    assert snap.crawl_delay("*") == 2.0
    assert snap.crawl_delay("provtrack") is None
    assert snap.sitemaps == ("https://example.com/sitemap.xml",)
    decision = snap.can_fetch("https://example.com/private/x", "Googlebot")
    assert decision.group == ("*",)
    assert decision.group_line == 2
    assert decision.matched_agent == "*"
    assert "line 3" in decision.reason


def test_robots_signal_carries_the_line() -> None:
    [robots] = snapshot(RULES).signals_for("https://example.com/no-provtrack/x")
    assert robots.kind is SignalKind.ROBOTS
    assert robots.value == "disallow"
    assert robots.evidence == "Disallow: /no-provtrack/"
    assert robots.level is Level.HOST
    assert robots.restricts
    assert robots.url == ROBOTS_URL
    assert robots.extra["line"] == 12
    assert robots.extra["group"] == ["provtrack"]
    assert robots.extra["target"] == "https://example.com/no-provtrack/x"


def test_other_agents_answers_never_restrict() -> None:
    [robots] = snapshot(RULES).signals_for("https://example.com/x", "GPTBot")
    assert robots.value == "disallow"
    assert robots.agent == "GPTBot"
    assert not robots.restricts


PREFS = """\
Content-Signal: ai-input=no

User-agent: *
Content-Signal: search=yes, ai-train=no
Content-Usage: train-ai=y
Content-Usage: /photos/ train-ai=n
Allow: /

User-agent: Friendlybot
Content-Signal: ai-train=yes
"""


def test_content_signal_and_usage_lines_of_the_applicable_group() -> None:
    snap = snapshot(PREFS)
    photo = snap.signals_for("https://example.com/photos/a.jpg")
    by_value = {(s.kind, s.value): s for s in photo}
    assert (SignalKind.CONTENT_SIGNAL, "ai-train=no") in by_value
    assert by_value[(SignalKind.CONTENT_SIGNAL, "ai-train=no")].restricts
    assert not by_value[(SignalKind.CONTENT_SIGNAL, "search=yes")].restricts
    # the longest matching Content-Usage path wins
    usage = by_value[(SignalKind.CONTENT_USAGE, "train-ai=n")]
    assert usage.restricts
    assert usage.evidence == "Content-Usage: /photos/ train-ai=n"
    assert usage.extra["line"] == 6
    assert (SignalKind.CONTENT_USAGE, "train-ai=y") not in by_value
    other = {(s.kind, s.value) for s in snap.signals_for("https://example.com/about")}
    assert (SignalKind.CONTENT_USAGE, "train-ai=y") in other
    # a line outside any group applies to all, marked as such, only when the group says nothing
    assert not any(s.extra.get("outside_group") for s in photo)


def test_content_signal_of_another_agents_group_does_not_bind_provtrack() -> None:
    snap = snapshot(PREFS)
    friendly = snap.preference_signals("https://example.com/a", "Friendlybot")
    assert [(s.value, s.agent, s.restricts) for s in friendly] == [
        ("ai-train=yes", "Friendlybot", False)
    ]
    orphan_only = snapshot("Content-Signal: ai-train=no\nUser-agent: *\nDisallow: /x\n")
    [signal] = orphan_only.preference_signals("https://example.com/a")
    assert signal.extra["outside_group"] is True
    assert signal.restricts


def test_size_cap_parses_the_first_512_kib_only() -> None:
    filler = "# " + "x" * 1000 + "\n"
    head = "User-agent: *\nDisallow: /early/\n"
    body = head + filler * (ROBOTS_MAX_BYTES // len(filler) + 1) + "Disallow: /late/\n"
    snap = snapshot(body)
    assert snap.status is Status.TOO_LARGE
    assert snap.can_fetch("https://example.com/early/1").verdict is Verdict.DISALLOW
    assert snap.can_fetch("https://example.com/late/1").verdict is Verdict.ALLOW


CLOSED_RULES = "User-agent: *\nDisallow: /img/closed/\n"


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (CLOSED_RULES.encode(), "utf-8"),
        (codecs.BOM_UTF8 + CLOSED_RULES.encode(), "utf-8"),
        (codecs.BOM_UTF16_LE + CLOSED_RULES.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + CLOSED_RULES.encode("utf-16-be"), "utf-16-be"),
        (gzip.compress(CLOSED_RULES.encode()), "gzip+utf-8"),
        (gzip.compress(codecs.BOM_UTF16_LE + CLOSED_RULES.encode("utf-16-le")), "gzip+utf-16-le"),
    ],
)
def test_every_encoding_rfc_9309_readers_meet_gives_the_same_rules(
    body: bytes, encoding: str
) -> None:
    robots = RobotsSnapshot.from_fetch("http://x.test/robots.txt", 200, body, None)
    assert robots.encoding == encoding
    assert robots.status is Status.OK, robots.reason
    assert robots.can_fetch("http://x.test/img/closed/a.jpg").verdict is Verdict.DISALLOW
    assert robots.can_fetch("http://x.test/img/open.jpg").verdict is Verdict.ALLOW


def test_utf32_and_binary_keep_their_old_reading() -> None:
    """Anything else than UTF-8/UTF-16/gzip is read as before: no directive, no rule."""
    for body in (codecs.BOM_UTF32_LE + CLOSED_RULES.encode("utf-32-le"), b"\x00\x01\x02" * 50):
        robots = RobotsSnapshot.from_fetch("http://x.test/robots.txt", 200, body, None)
        assert robots.status is Status.UNPARSEABLE
        assert "binary content" in robots.reason


def test_a_large_file_is_parsed_up_to_500_kib_and_marked_truncated() -> None:
    pad = ("# " + "x" * 97 + "\n") * 6000  # 600 kB of comments
    body = (CLOSED_RULES + pad + "User-agent: *\nDisallow: /\n").encode()
    robots = RobotsSnapshot.from_fetch("http://x.test/robots.txt", 200, body, None)
    assert robots.truncated
    assert robots.status is Status.TOO_LARGE
    assert robots.outcome is RobotsOutcome.PARSED
    assert robots.can_fetch("http://x.test/img/open.jpg").verdict is Verdict.ALLOW
    assert robots.can_fetch("http://x.test/img/closed/a").verdict is Verdict.DISALLOW
    assert robots.text.endswith("\n")
    assert len(robots.text) >= 500 * 1024


def test_a_cut_download_never_parses_a_half_line() -> None:
    """The download was cut mid-line ("Disallow: /img/clo"): that half rule must not count."""
    body = b"User-agent: *\nDisallow: /private/\nDisallow: /"
    robots = RobotsSnapshot.from_fetch("http://x.test/robots.txt", 200, body, None, truncated=True)
    assert robots.truncated
    assert robots.can_fetch("http://x.test/img/open.jpg").verdict is Verdict.ALLOW
    assert robots.can_fetch("http://x.test/private/a").verdict is Verdict.DISALLOW


def test_a_gzip_bomb_inflates_only_to_the_limit() -> None:
    bomb = gzip.compress(CLOSED_RULES.encode() + b"#" * (64 * 1024 * 1024))
    robots = RobotsSnapshot.from_fetch("http://x.test/robots.txt", 200, bomb, None)
    assert robots.truncated
    assert robots.can_fetch("http://x.test/img/closed/a").verdict is Verdict.DISALLOW


# Group lines as real files write them: the product token with a version (the way many sites
# copy a crawler's UA, "User-agent: Googlebot/2.1"), a whole User-Agent header, quoted, or a
# comma list. RFC 9309 §2.2.1 matches the product token; Protego compares the whole value, so
# each of these fell back to the '*' group's "Allow: /" and a block aimed at provtrack was lost.
AIMED_AT_PROVTRACK = [
    "provtrack/1.0",
    "ProvTrack/0.1 (+https://github.com/provtrack; research)",
    "Mozilla/5.0 (compatible; provtrack/0.1; +https://example.org/bot)",
    '"provtrack"',
    "GPTBot, provtrack, CCBot",
    "GPTBot provtrack",
]


@pytest.mark.parametrize("line", AIMED_AT_PROVTRACK)
def test_a_group_naming_provtracks_token_in_a_longer_spelling_binds_it(line: str) -> None:
    text = f"User-agent: *\nAllow: /\n\nUser-agent: {line}\nDisallow: /private/\nCrawl-delay: 7\n"
    snap = snapshot(text)
    decision = snap.can_fetch("https://example.com/private/face.jpg")
    assert decision.verdict is Verdict.DISALLOW
    assert decision.evidence == "Disallow: /private/"
    assert decision.line == 5
    assert snap.crawl_delay() == 7.0
    # full UA strings select the same group; the rest of the site stays open
    assert snap.can_fetch("https://example.com/private/x", "provtrack/0.1 (+https://x)").restricts
    assert snap.can_fetch("https://example.com/public/x").verdict is Verdict.ALLOW


def test_token_aliases_merge_with_the_plain_group_and_never_match_substrings() -> None:
    text = (
        "User-agent: provtrack\nDisallow: /a/\n\n"
        "User-agent: provtrack/2.0\nDisallow: /b/\n\n"
        "User-agent: prov/1.0\nUser-agent: provtrack-images\nDisallow: /\n\n"
        "User-agent: *\nDisallow: /c/\n"
    )
    snap = snapshot(text)
    assert snap.can_fetch("https://example.com/a/1").verdict is Verdict.DISALLOW
    assert snap.can_fetch("https://example.com/b/1").verdict is Verdict.DISALLOW
    # provtrack has a group of its own, so '*' does not apply, and neither do other tokens
    assert snap.can_fetch("https://example.com/c/1").verdict is Verdict.ALLOW
    assert snap.can_fetch("https://example.com/d/1").verdict is Verdict.ALLOW


# robots.txt served inside an HTML page, as CMS routes and "robots.txt editor" plugins do:
# the markup hid the first User-agent line, so every rule fell outside a group and a host
# that blocks everything read as "allow all".
HTML_WRAPPED = [
    "<html><body><pre>User-agent: *\nDisallow: /\n</pre></body></html>",
    "<!DOCTYPE html><html><head><title>robots.txt</title><style>p{}</style></head><body>"
    "User-agent: *<br>Disallow: /<br/>Sitemap: https://example.com/s.xml</body></html>",
    "<html><body><p>User-agent: provtrack</p><p>Disallow: /</p>"
    "<p>User-agent: *</p><p>Allow: /</p></body></html>",
    "<html><body><div>User-agent:&nbsp;*</div><div>Disallow: /</div></body></html>",
]


@pytest.mark.parametrize("page", HTML_WRAPPED)
def test_rules_inside_an_html_page_are_read_from_its_text(page: str) -> None:
    snap = snapshot(page)
    assert snap.outcome is RobotsOutcome.PARSED
    assert snap.status is Status.UNPARSEABLE
    assert "HTML page holding robots.txt lines" in snap.reason
    decision = snap.can_fetch("https://example.com/gallery/face.jpg")
    assert decision.verdict is Verdict.DISALLOW
    assert decision.evidence == "Disallow: /"
    assert snap.text.splitlines()[decision.line - 1].strip() == "Disallow: /"
    assert decision.protego_allowed is False


def test_a_soft_404_page_and_a_file_with_rules_keep_their_reading() -> None:
    soft = snapshot("<html><body><h1>Page not found</h1><p>Try the <a href='/'>home</a></p>")
    assert soft.status is Status.UNPARSEABLE
    assert "HTML page, not a robots.txt" in soft.reason
    assert soft.can_fetch("https://example.com/a").verdict is Verdict.ALLOW
    # markup that leaves a rule readable is read as before, never widened by the page text
    mixed = snapshot("User-agent: *\nDisallow: /private/\n<p>Allow: /</p>\n")
    assert mixed.status is Status.OK
    assert mixed.can_fetch("https://example.com/private/a").verdict is Verdict.DISALLOW


@pytest.mark.parametrize(
    "text",
    [
        # pieces of several UTF-8 files joined together, each with its byte order mark
        "User-agent: *\n\ufeffDisallow: /\n",
        "# generated\n\ufeffUser-agent: *\nDisallow: /\n",
        "\n\ufeff\ufeffUser-agent: *\nDisallow: /\n",
        "User-agent: *\n\u200bDisallow: /\n",  # a zero-width space pasted from a web page
    ],
)
def test_a_byte_order_mark_inside_the_file_does_not_drop_a_rule(text: str) -> None:
    decision = snapshot(text).can_fetch("https://example.com/a.jpg")
    assert decision.verdict is Verdict.DISALLOW
    assert decision.evidence.lstrip("\ufeff\u200b") == "Disallow: /"


@pytest.mark.parametrize("unit", ["<", "<script", "<!--", "<p ", "<head ", "</pre", "<a>"])
def test_hostile_html_like_robots_txt_is_read_in_linear_time(unit: str) -> None:
    """512 KiB of an unclosed tag or comment: a lazy or unbounded tag regex rescans the rest
    of the file at every one (quadratic: minutes of CPU for one host's robots.txt)."""
    import time

    body = (unit * (ROBOTS_MAX_BYTES // len(unit))).encode()
    start = time.process_time()
    snap = snapshot(body)
    assert time.process_time() - start < 3.0  # about 0.05 s when linear
    assert snap.outcome is RobotsOutcome.PARSED
    assert snap.can_fetch("https://example.com/a").verdict is Verdict.ALLOW


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        # not "there is no robots.txt": a proxy that wants credentials (the host never asked),
        # a server that timed out waiting, a connection that reached another host's server
        (407, RobotsOutcome.UNREACHABLE),
        (408, RobotsOutcome.UNREACHABLE),
        (421, RobotsOutcome.UNREACHABLE),
        (425, RobotsOutcome.UNREACHABLE),
        # a site that shuts out a region refuses, as 403 does
        (451, RobotsOutcome.UNREACHABLE),
        # real "no such file" answers stay unavailable (RFC 9309 §2.3.1.3)
        (400, RobotsOutcome.UNAVAILABLE),
        (404, RobotsOutcome.UNAVAILABLE),
        (410, RobotsOutcome.UNAVAILABLE),
    ],
)
def test_4xx_answers_that_do_not_say_no_file_disallow(status: int, outcome: RobotsOutcome) -> None:
    """Each of the first five read as "no robots.txt": no restriction at all."""
    snap = snapshot("User-agent: *\nAllow: /\n", status)
    assert snap.outcome is outcome
    decision = snap.can_fetch("https://example.com/a.jpg")
    assert decision.restricts is (outcome is RobotsOutcome.UNREACHABLE)
    assert f"HTTP {status}" in decision.reason

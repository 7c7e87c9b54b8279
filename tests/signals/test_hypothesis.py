"""Properties: no reader raises on arbitrary content, and robots decisions agree with Protego."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protego import Protego

from provenance.signals import contentusage, robotsmeta, tdmrep
from provenance.signals._patterns import normalize_path
from provenance.signals._robotsparse import query_name
from provenance.signals.aitxt import AiTxt
from provenance.signals.gate import HostContext, check_image_after, check_image_before, check_page
from provenance.signals.license import cc_short_id
from provenance.signals.page import page_signals, parse_srcset
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.tdmrep import TdmFile, TdmPolicy

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
statuses = st.one_of(
    st.none(), st.sampled_from([200, 204, 301, 404, 429, 500, 503]), st.integers(-5, 999)
)
errors = st.one_of(st.none(), st.text(max_size=20))
urls = st.one_of(
    st.text(max_size=60),
    st.builds(lambda p: "https://example.com/" + p, st.text(max_size=40)),
)
agents = st.one_of(
    st.sampled_from(["provtrack", "*", "GPTBot", "provtrack/0.1 (+x)"]), st.text(max_size=20)
)
header_maps = st.dictionaries(
    st.sampled_from(
        [
            "X-Robots-Tag",
            "tdm-reservation",
            "tdm-policy",
            "Content-Usage",
            "Content-Signal",
            "Content-Language",
        ]
    ),
    st.lists(st.text(max_size=40), max_size=3),
    max_size=5,
)


@FAST
@given(
    status=statuses,
    body=st.one_of(st.none(), st.binary(max_size=400)),
    error=errors,
    url=urls,
    agent=agents,
)
def test_robots_never_raises(
    status: int | None, body: bytes | None, error: str | None, url: str, agent: str
) -> None:
    snap = RobotsSnapshot.from_fetch("https://example.com/robots.txt", status, body, error)
    snap.can_fetch(url, agent)
    snap.signals_for(url, agent)
    snap.crawl_delay(agent)
    assert snap.evaluate_panel(url, ["provtrack", agent]).keys() <= {"provtrack", agent}


pattern_chars = st.sampled_from(list("/ab*$%?=.-_~ é2F"))
patterns = st.text(pattern_chars, max_size=8)
robots_lines = st.one_of(
    st.builds(
        lambda a: f"User-agent: {a}",
        st.sampled_from(["*", "provtrack", "GPTBot", "gpt", "*bot", ""]),
    ),
    st.builds(lambda p: f"Disallow: {p}", patterns),
    st.builds(lambda p: f"Allow: {p}", patterns),
    st.builds(lambda p: f"allow {p}", patterns),
    st.sampled_from(
        [
            "",
            "# comment",
            "Sitemap: https://e/s.xml",
            "Crawl-delay: 1",
            "Content-Signal: ai-train=no",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(robots_lines, max_size=12),
    path=st.text(pattern_chars, max_size=10),
    agent=st.sampled_from(["provtrack", "*", "GPTBot", "gptbot-image", "otherbot"]),
)
def test_generated_robots_agree_with_protego(lines: list[str], path: str, agent: str) -> None:
    text = "\n".join(lines)
    snap = RobotsSnapshot.from_fetch("https://e/robots.txt", 200, text.encode(), None)
    url = "https://e/" + path.lstrip("/")
    decision = snap.can_fetch(url, agent)
    assert decision.allowed == Protego.parse(text).can_fetch(url, query_name(agent))
    if decision.line is not None:
        assert text.splitlines()[decision.line - 1].strip() == decision.evidence


@FAST
@given(
    status=statuses,
    body=st.one_of(st.none(), st.binary(max_size=400)),
    error=errors,
    url=urls,
    agent=agents,
)
def test_ai_txt_never_raises(
    status: int | None, body: bytes | None, error: str | None, url: str, agent: str
) -> None:
    AiTxt.from_fetch("https://e/ai.txt", status, body, error).signals_for(url, agent)


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["location", "tdm-reservation", "tdm-policy", "x"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@FAST
@given(data=json_values, url=urls)
def test_tdmrep_file_never_raises_on_any_json(data: object, url: str) -> None:
    tdm = TdmFile.from_fetch(
        "https://e/.well-known/tdmrep.json", 200, json.dumps(data).encode(), None
    )
    tdm.signals_for(url)


@FAST
@given(status=statuses, body=st.one_of(st.none(), st.binary(max_size=300)), error=errors, url=urls)
def test_tdmrep_bytes_never_raise(
    status: int | None, body: bytes | None, error: str | None, url: str
) -> None:
    TdmFile.from_fetch("https://e/.well-known/tdmrep.json", status, body, error).signals_for(url)
    TdmPolicy.from_fetch("https://e/p.json", status, body, error, "application/json")


@FAST
@given(headers=header_maps, url=urls)
def test_header_readers_never_raise(headers: dict[str, list[str]], url: str) -> None:
    robotsmeta.x_robots_tag_signals(headers, url=url)
    tdmrep.header_signals(headers, url=url)
    contentusage.signals_from_headers(headers, url=url)
    check_image_after(url, headers)


@FAST
@given(text=st.text(max_size=80))
def test_value_parsers_never_raise(text: str) -> None:
    robotsmeta.parse_directives(text, scoped=True)
    robotsmeta.parse_directives(text, scoped=False)
    contentusage.parse_preferences(text)
    contentusage.split_robots_value(text)
    parse_srcset(text)
    cc_short_id(text)
    assert normalize_path(text).startswith("/")


html_fragments = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "<img src='a.jpg' srcset='b.jpg 2x, c.jpg 300w'>",
                "<picture><source srcset='x.webp'>",
                "<meta name='robots' content='noai'>",
                "<meta name='tdm-reservation' content='1'>",
                "<script type='application/ld+json'>{\"license\": ",
                "<base href='//[bad'>",
                "<html lang='de'>",
                "</picture>",
                "<a rel=license href='https://creativecommons.org/licenses/by/4.0/'>",
            ]
        ),
    ),
    max_size=8,
)


@FAST
@given(parts=html_fragments, headers=header_maps, as_bytes=st.booleans())
def test_page_and_gate_never_raise(
    parts: list[str], headers: dict[str, list[str]], as_bytes: bool
) -> None:
    html = "".join(parts)
    page = page_signals(
        "https://example.com/p.html",
        html.encode("utf-8", "surrogatepass") if as_bytes else html,
        headers,
    )
    host = HostContext(
        robots=RobotsSnapshot.from_fetch("https://example.com/robots.txt", 200, b"", None)
    )
    check_page(host, page.url)
    for image in page.images[:3]:
        check_image_before(host, image.url, page)

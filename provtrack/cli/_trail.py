"""An image record's evidence trail as text, for ``provtrack lookup`` and ``provtrack show``.

Every text here may come from the web (titles, alt texts, header values, robots lines): it is
printed through :func:`line`, which never interprets rich markup.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from provtrack.cli._console import console


def say(text: str) -> None:
    """Print untrusted text (page titles, alt texts, evidence) without markup interpretation."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def short(value: str | None, n: int = 16) -> str:
    return "-" if not value else (value if len(value) <= n else value[:n] + "…")


def _panel_line(panel: list[dict[str, Any]]) -> str:
    """The AI panel on one line: provtrack, ``*`` and every agent answered differently from
    ``*`` (``GPTBot disallow (line 6)``); the JSON form lists every agent."""
    star = next((p for p in panel if p["agent"] == "*"), None)

    def one(p: dict[str, Any]) -> str:
        return f"{p['agent']} {p['verdict']}" + (f" (line {p['line']})" if p.get("line") else "")

    shown = [
        p
        for p in panel
        if p["agent"] in ("provtrack", "*") or star is None or p["verdict"] != star["verdict"]
    ]
    rest = len(panel) - len(shown)
    return ", ".join(one(p) for p in shown) + (f"; {rest} other agents as *" if rest else "")


def print_trail(index: int, chain: dict[str, Any]) -> None:
    """One image record's evidence trail as text (lookup and show): the match when there is
    one, the fetch, headers as served, pages with their robots lines, host documents, the AI
    panel, signals, verdicts, jurisdiction and the WARC record."""
    console.print(
        f"[bold]#{index}[/bold] {escape(chain['image_url'])}  "
        f"[dim]run {escape(chain['run_id'])} ({chain['mode']})[/dim]"
    )
    _match(chain.get("match"))
    say("    image: " + ", ".join(_image_facts(chain)))
    for name, values in (chain.get("response_headers") or {}).items():
        for value in values:
            say(f"      header {name}: {value}")
    say(f"    seeds: {', '.join(chain['seeds']) or '-'}")
    for page in chain["pages"]:
        _page(page)
    _robots(chain["robots"])
    _terms(chain["terms"])
    for kind, snap in chain["snapshots"].items():
        say(
            f"    {kind}: {snap['outcome']} (HTTP {snap['http_status']}), "
            f"sha256 {short(snap['sha256'])}, fetched {snap['fetched_at']}"
        )
    _signals_and_verdicts(chain)
    subj = ", ".join(f"{c['code']} {c['confidence']}" for c in chain["subject_jurisdiction"])
    site = ", ".join(f"{c['code']} {c['confidence']}" for c in chain["site_jurisdiction"])
    say(f"    jurisdiction: site {site or '-'}; subject {subj or '-'}")
    say(f"    WARC: {chain['warc']['file']} @ {chain['warc']['offset']}")


def _image_facts(chain: dict[str, Any]) -> list[str]:
    """The record's fetch and bytes, each fact only when it was recorded (a skipped image
    has no status, type, size or hash: "unknown" is said once, for the faces)."""
    parts = [str(chain["decision"])]
    if chain.get("fetched_at"):
        parts.append(f"fetched {chain['fetched_at']}")
    if chain.get("http_status") is not None:
        parts.append(f"HTTP {chain['http_status']}")
    if chain.get("content_type"):
        parts.append(str(chain["content_type"]))
    if chain.get("byte_size") is not None:
        parts.append(f"{chain['byte_size']} bytes")
    if chain.get("width") and chain.get("height"):
        parts.append(f"{chain['width']}x{chain['height']}")
    if chain.get("sha256"):
        parts.append(f"sha256 {short(chain['sha256'])}")
    if chain.get("server_ip"):
        parts.append(f"server {chain['server_ip']}")
    faces = chain.get("face_count")
    parts.append("faces unknown (not examined)" if faces is None else f"faces {faces}")
    return parts


def _match(match: dict[str, Any] | None) -> None:
    """How a lookup matched the record (nothing for ``show``)."""
    if not match:
        return
    pdq = "-" if match["pdq_distance"] is None else match["pdq_distance"]
    phash = "-" if match["phash_distance"] is None else match["phash_distance"]
    by = "+".join(match["matched_by"])
    say(
        f"    match: {by} — PDQ {pdq}/256 (≤ {match['thresholds']['pdq']}), pHash {phash}/64 "
        f"(≤ {match['thresholds']['phash']}); {match['via'] or ''}"
        + ("; identical bytes" if match["sha256_equal"] else "")
    )


def _page(page: dict[str, Any]) -> None:
    """A page the image appeared on: its fetch, the path to it, its robots lines, AI panel."""
    say(
        f"    page: {page['url']} (fetched {page['fetched_at']}, HTTP {page['http_status']}, "
        f"depth {page['depth']})"
    )
    say(f"      referrer chain: {' → '.join(page['referrer_chain'])}")
    if page["alt"]:
        say(f"      alt: {page['alt']!r}")
    for rule in page["robots"]:
        where = f"line {rule['line']}" if rule["line"] else "no line"
        say(
            f"      robots.txt for the page ({rule['agent'] or '*'}): {rule['value']} by "
            f"{where} {rule['evidence']!r}"
        )
    if page.get("panel"):
        say(f"      AI panel for the page: {_panel_line(page['panel'])}")


def _robots(robots: dict[str, Any] | None) -> None:
    """The host's robots.txt snapshot and the lines that decide for the image."""
    if not robots:
        say("    robots.txt: no snapshot")
        return
    say(
        f"    robots.txt {robots['url']}: {robots['outcome']} (HTTP {robots['http_status']}), "
        f"sha256 {short(robots['sha256'])}, fetched {robots['fetched_at']}"
    )
    for rule in robots["matching_lines"]:
        where = f"line {rule['line']}" if rule["line"] else "no line"
        say(
            f"      for the image ({rule['agent'] or '*'}): {rule['value']} by {where} "
            f"{rule['evidence']!r}"
        )
    if robots.get("panel"):
        say(f"      AI panel for the image: {_panel_line(robots['panel'])}")


def _terms(terms: dict[str, Any] | None) -> None:
    """The host's terms of service snapshot and the clauses found in it."""
    if not terms:
        say("    terms: none found")
        return
    say(
        f"    terms {terms['url']}: {terms['outcome']}, sha256 {short(terms['sha256'])}, "
        f"fetched {terms['fetched_at']}"
    )
    for clause in terms["clauses"]:
        say(f"      {clause.get('kind')}: {clause.get('sentence')!r}")


def _signals_and_verdicts(chain: dict[str, Any]) -> None:
    """Every signal, the gate's reasons or overridden signals, and the packs' verdicts."""
    for s in chain["signals"]:
        flag = " [restricts]" if s["restricts"] else ""
        agent = f" for {s['agent']}" if s["agent"] else ""
        say(f"    signal ({s['level']}): {s['kind']}={s['value']}{agent}{flag} — {s['source']}")
    for r in chain["reasons"]:
        say(f"    skipped for: {r.get('kind')}={r.get('value')}")
    for r in chain["overridden"]:
        say(f"    overridden: {r.get('kind')}={r.get('value')}")
    for v in chain["verdicts"]:
        capped = f" ({v['capped']})" if v.get("capped") else ""
        say(
            f"    verdict {v['jurisdiction']} ({v['pack']} {v['pack_version']}): "
            f"{v['verdict']}{capped}"
        )
    if not chain["verdicts"]:
        say("    verdicts: none yet (run `provtrack evaluate`)")

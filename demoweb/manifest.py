"""The ground-truth manifest: every host, page and image of the demo web, and what to expect.

Derived from the built web (``demoweb.spec.build_web``), i.e. from the very bytes the server
serves. The schema is documented in ``demoweb/MANIFEST.md``.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from demoweb import c2pasign, imagefiles
from demoweb.expect import HostPolicy, audit_expect, image_expect, page_expect
from demoweb.htmlscan import absolute
from demoweb.model import Host, Img, Robots
from demoweb.optouts import (
    USER_AGENT,
    Signal,
    ai_txt_signals,
    header_signals,
    page_signals,
    robots_signals,
    signal,
    tdmrep_signals,
    terms_signals,
)
from demoweb.photos import LIBRARY
from demoweb.rsl import licences as rsl_licences
from demoweb.spec import BuiltImage, Response, Web, robots_chain
from demoweb.tls import DemoCA

SCHEMA = "provtrack-demoweb-manifest/1"


def _headers(response: Response) -> dict[str, str]:
    return dict(response.headers)


def _embedded_signals(img: Img) -> list[Signal]:
    out: list[Signal] = []
    if img.xmp is not None and img.xmp.data_mining:
        attrs, elements = imagefiles.data_mining_xml(img.xmp)
        out.append(
            signal(
                "iptc-data-mining",
                img.xmp.data_mining,
                "xmp",
                (attrs or elements)[0],
                restricts=img.xmp.data_mining.startswith("DMI-PROHIBITED"),
            )
        )
    if img.c2pa is not None:
        out.extend(
            signal(
                "c2pa-training-mining",
                use,
                "c2pa",
                json.dumps({"cawg.training-mining": {key: {"use": use}}}),
                agent=None,
                restricts=use in ("notAllowed", "constrained"),
            )
            for key, use in img.c2pa.entries
        )
    return out


def _exif(img: Img) -> dict[str, Any] | None:
    exif = img.exif
    if exif is None or img.hostile in ("truncated", "corrupt"):
        return None
    gps = None
    if exif.gps:
        gps = {
            "lat": imagefiles.gps_decimal(exif.gps[0]),
            "lon": imagefiles.gps_decimal(exif.gps[1]),
        }
    return {
        "make": exif.make,
        "model": exif.model,
        "datetime_original": exif.datetime_original,
        "gps": gps,
        "image_description": exif.image_description,
        "artist": exif.artist,
    }


def _xmp(img: Img) -> dict[str, Any] | None:
    x = img.xmp
    if x is None:
        return None
    return {
        "creator": x.creator,
        "rights": x.rights,
        "data_mining": x.data_mining,
        "digital_source_type": x.digital_source_type,
        "city": x.city,
        "state": x.state,
        "country_code": x.country_code,
        "extended": x.extended,
        "data_mining_form": x.data_mining_form if x.data_mining else None,
        "unsafe_dtd": x.unsafe_dtd,
    }


def _depths(host: Host, web: Web) -> dict[str, int]:
    """Link depth of each page from the home page, following same-host links only."""
    paths = {p.path for p in host.pages}
    pages = {p.path: p for p in host.pages}
    if not pages:
        return {}  # a host that serves only files (a CDN)
    depth = {"/": 0}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        page = pages[path]
        base = f"{host.origin}{path}"
        targets = [page.location] if page.location else []
        found = web.scans.get(base)
        targets += found.links if found else []
        for href in targets:
            parts = urlsplit(absolute(base, href))
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc == host.name and target in paths and target not in depth:
                depth[target] = depth[path] + 1
                queue.append(target)
    missing = paths - depth.keys()
    if missing:
        raise ValueError(f"{host.name}: pages not linked from the home page: {sorted(missing)}")
    return depth


def _page_images(web: Web, url: str, js_images: tuple[str, ...]) -> list[str]:
    found = web.scans.get(url)
    refs = [*(found.image_urls() if found else []), *js_images]
    return list(dict.fromkeys(absolute(url, r) for r in refs))


def _redirect_chain(web: Web, url: str) -> list[dict[str, Any]]:
    """The hops a client follows from ``url`` on the demo web: ``{url, status}`` each."""
    hops: list[dict[str, Any]] = []
    for _ in range(10):
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = web.lookup(parts.netloc, target, parts.scheme)
        hops.append({"url": url, "status": response.status})
        location = response.header("Location")
        if response.status not in (301, 302, 303, 307, 308) or location is None:
            break
        url = absolute(url, location)
    return hops


def _tls(host: str, ca: DemoCA | None) -> dict[str, Any]:
    """The certificate a client is shown for ``host`` (fingerprint only when served)."""
    from demoweb.tls import CA_NAME, ORGANIZATION

    facts: dict[str, Any] = {
        "subject": f"CN={host},O={ORGANIZATION}",
        "issuer": f"CN={CA_NAME},O={ORGANIZATION}",
        "sha256": None,
        "not_before": None,
        "not_after": None,
    }
    if ca is not None:
        facts.update(ca.certificate_facts(host))
    return facts


def robots_asked(host: Host) -> str:
    """The robots.txt URL a crawler that starts at the host's seed asks first.

    An HTTPS host typed as itself (``http://northpier-press.com/``) is first met over plain
    HTTP, so its robots.txt chain starts with the ``http://`` -> ``https://`` hop; a host met
    only through a redirect or an HTTPS link (a ``www`` site, a CDN) is asked at its origin.
    """
    if host.scheme == "https" and host.pages and (host.seed_host or host.name) == host.name:
        return f"http://{host.name}/robots.txt"
    return f"{host.origin}/robots.txt"


def _robots_served(host: Host, web: Web) -> dict[str, Any]:
    """How robots.txt is served: its redirect chain, encoding, size, and why a crawler gives up."""
    robots = host.robots
    chain = robots_chain(host)
    asked = robots_asked(host)
    if chain and chain[0][0] != asked:
        chain.insert(0, (asked, web.lookup(host.name, "/robots.txt", "http")))
    hops = [
        {"url": url, "status": response.status, "location": response.header("Location")}
        for url, response in chain
    ]
    final = chain[-1][1] if chain else None
    served = final.body if final is not None and final.status == 200 else b""
    return {
        "redirects": [h for h in hops if h["location"] is not None],
        "final_url": None
        if robots is not None and robots.gives_up
        else (chain[-1][0] if chain else f"{host.origin}/robots.txt"),
        "gives_up": robots.gives_up if robots else None,
        "encoding": robots.encoding if robots else None,
        "size": len(served) if final is not None and final.status == 200 else None,
        "truncated": bool(robots and robots.pad_to),
        "crawl_delay": _crawl_delay(robots),
    }


def _crawl_delay(robots: Robots | None) -> float | None:
    """The Crawl-delay of the group that binds provtrack, as Protego reads it."""
    if robots is None or robots.gives_up or robots.status != 200:
        return None
    delay = Protego.parse(robots.body() or "").crawl_delay(USER_AGENT)
    return float(delay) if delay is not None else None


def _host_entry(host: Host, policy: HostPolicy, web: Web, ca: DemoCA | None) -> dict[str, Any]:
    outcomes = policy.agent_outcomes()
    robots = host.robots
    base = host.origin
    seed_host = host.seed_host or host.name
    signals = robots_signals(host, outcomes)
    if host.ai_txt:
        signals += ai_txt_signals(host.ai_txt)
    if host.tdmrep:
        signals += tdmrep_signals(host.tdmrep)
    signals += terms_signals(host)
    rsl = policy.rsl
    if rsl is not None:
        signals += [
            signal("rsl", lic.value, "rsl", lic.xml, restricts=lic.restricts)
            for lic in rsl_licences(rsl.body)
        ]
    entry_names = [seed_host, *(a for a in host.aliases if a != seed_host)]
    return {
        "host": host.name,
        "seed": f"http://{seed_host}/" if host.pages else None,
        "scheme": host.scheme,
        "origin": base,
        "aliases": [
            {
                "host": name,
                "home": _redirect_chain(web, f"http://{name}/"),
                "robots": _redirect_chain(web, f"http://{name}/robots.txt"),
            }
            for name in entry_names
            if name != host.name
        ],
        "tls": _tls(host.name, ca) if host.scheme == "https" else None,
        "description": host.description,
        "source_type": host.source_type,
        "js_rendered": host.js_rendered,
        "site_jurisdiction": {
            "country": host.jurisdiction.country,
            "subdivision": host.jurisdiction.subdivision,
            "evidence": list(host.jurisdiction.evidence),
        },
        "robots": {
            "url": robots_asked(host),
            "status": 404 if robots is None else robots.status,
            "body": robots.body() if robots else None,
            "content_type": None
            if robots is None or robots.status != 200
            else ("text/html; charset=utf-8" if robots.soft_404 else "text/plain; charset=utf-8"),
            "first_status": robots.first_status if robots else None,
            "outcome": policy.outcome,
            "agents": outcomes,
            **_robots_served(host, web),
        },
        "ai_txt": {
            "url": f"{base}/ai.txt",
            "status": 200 if host.ai_txt else 404,
            "body": host.ai_txt,
        },
        "tdmrep": {
            "url": f"{base}/.well-known/tdmrep.json",
            "status": 200 if host.tdmrep else 404,
            "rules": list(host.tdmrep) if host.tdmrep else None,
        },
        "rsl": None
        if rsl is None
        else {"url": rsl.url, "status": 200, "content_type": rsl.content_type},
        "terms": None
        if host.terms is None
        else {
            "url": f"{base}{host.terms.path}",
            "lang": host.terms.lang,
            "clauses": [{"kind": c.kind, "sentence": c.sentence} for c in host.terms.clauses],
        },
        "addresses": list(host.addresses),
        "phones": list(host.phones),
        "signals": signals,
        "counts": {"pages": len(host.pages), "images": len(host.images)},
    }


def _image_entry(
    built: BuiltImage,
    pages: list[str],
    page_exp: dict[str, Any],
    page_sigs: list[Signal],
    policy: HostPolicy,
) -> dict[str, Any]:
    img = built.img
    response = built.response
    body = response.body if response else None
    own = header_signals(img.headers, image=True) if response else []
    own += _embedded_signals(img)
    pictured = bool(img.photo)
    faces = LIBRARY[img.photo].faces if pictured else 0
    return {
        "url": built.url,
        "host": built.host,
        "pages": pages,
        "alt": img.alt,
        "title": img.title,
        "photo_id": img.photo if pictured else None,
        "variant": img.variant if pictured else None,
        "status": response.status if response else None,
        "content_type": response.header("Content-Type") if response else None,
        "headers": _headers(response) if response else {},
        "format": built.format,
        "width": built.width,
        "height": built.height,
        "byte_size": len(body)
        if body is not None and response and response.status == 200
        else None,
        "sha256": hashlib.sha256(body).hexdigest()
        if body is not None and response and response.status == 200
        else None,
        "face": faces > 0,
        "faces": faces,
        "subject": None
        if img.subject is None
        else {
            "jurisdiction": img.subject.jurisdiction,
            "country": img.subject.country,
            "is_minor": img.subject.is_minor,
            "evidence": img.subject.evidence,
        },
        "exif": _exif(img),
        "xmp": _xmp(img),
        "c2pa": None
        if img.c2pa is None
        else {
            "manifest_label": c2pasign.manifest_label(img),
            "assertion": "cawg.training-mining",
            "entries": {key: {"use": use} for key, use in img.c2pa.entries},
            "signer": c2pasign.SIGNER_ORG,
            "validation": c2pasign.VALIDATION,
        },
        "signals": own,
        "hostile": img.hostile,
        "expect": {
            **image_expect(
                policy, img, page_exp, page_sigs, own, tuple(urlsplit(u).path for u in pages)
            ),
            "audit": audit_expect(
                policy, img, page_exp, page_sigs, own, tuple(urlsplit(u).path for u in pages)
            ),
        },
    }


def _not_chosen(entry: dict[str, Any]) -> None:
    """A srcset candidate no crawl requests: recorded with its page's candidates, no record
    of its own (unless the page itself is not fetched: then it stays unseen)."""
    expect = entry["expect"]
    if expect["compliant"]["decision"] != "unseen":
        expect["compliant"] = {"decision": "not_chosen", "stage": None, "reasons": []}
    expect["reproduce"] = {"decision": "not_chosen", "reasons": [], "overrides": []}


def build(web: Web, ca: DemoCA | None = None) -> dict[str, Any]:
    """The manifest of ``web`` as plain JSON-ready data; ``ca``: the served web's CA (its
    certificates' fingerprints and validity are then written down too)."""
    hosts: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    resources: list[dict[str, Any]] = []
    policies = {host.name: HostPolicy.of(host) for host in web.hosts.values()}
    # image URL -> (page URL, page expectation, page signals) of every page showing it; an
    # image may live on another host than its pages (a CDN)
    shown_on: dict[str, list[tuple[str, dict[str, Any], list[Signal]]]] = {}
    chosen: set[str] = set()  # image URLs the crawler requests (each element's src, largest)
    for host in web.hosts.values():
        policy = policies[host.name]
        hosts.append(_host_entry(host, policy, web, ca))
        depths = _depths(host, web)
        for page in host.pages:
            url = f"{host.origin}{page.path}"
            response = web.lookup(host.name, page.path, host.scheme)
            found = web.scans.get(url)
            sigs = page_signals(page.headers, found) if found else []
            exp = page_expect(policy, page.path)
            page_imgs = _page_images(web, url, page.js_images)
            if found:
                chosen.update(absolute(url, ref) for ref in found.chosen())
            chosen.update(absolute(url, ref) for ref in page.js_images)
            for image_url in page_imgs:
                shown_on.setdefault(image_url, []).append((url, exp, sigs))
            pages.append(
                {
                    "url": url,
                    "host": host.name,
                    "status": response.status,
                    "content_type": response.header("Content-Type"),
                    "lang": found.lang if found else None,
                    "title": found.title if found else None,
                    "headers": _headers(response),
                    "depth": depths[page.path],
                    "js_only_images": bool(page.js_images),
                    "links": list(dict.fromkeys(absolute(url, h) for h in found.links))
                    if found
                    else [],
                    "images": page_imgs,
                    "signals": sigs,
                    "hostile": page.hostile,
                    "expect": {"compliant": exp},
                }
            )
    for host in web.hosts.values():
        policy = policies[host.name]
        for img in host.images:
            built = web.images[
                img.path if img.hostile == "link_local" else f"{host.origin}{img.path}"
            ]
            showings = shown_on[built.url]
            first_exp, first_sigs = showings[0][1], showings[0][2]
            for page_url, exp, sigs in showings[1:]:
                if exp != first_exp or sigs != first_sigs:
                    raise ValueError(
                        f"{built.url} is shown on pages with different page-level signals "
                        f"({showings[0][0]} and {page_url})"
                    )
            entry = _image_entry(built, [s[0] for s in showings], first_exp, first_sigs, policy)
            if built.url not in chosen:
                _not_chosen(entry)
            images.append(entry)
        for res in host.resources:
            response = web.lookup(host.name, res.path, host.scheme)
            resources.append(
                {
                    "url": f"{host.origin}{res.path}",
                    "host": host.name,
                    "status": response.status,
                    "content_type": response.header("Content-Type"),
                    "sha256": hashlib.sha256(response.body).hexdigest(),
                }
            )
    return {
        "schema": SCHEMA,
        "user_agent": USER_AGENT,
        "seeds": [h["seed"] for h in hosts if h["seed"]],
        "hosts": hosts,
        "pages": pages,
        "images": images,
        "resources": resources,
        "scale": web.scale.summary() if web.scale else None,
    }


def build_manifest(scale: int = 0) -> dict[str, Any]:
    """Build the demo web (with ``scale`` procedural images) and return its manifest."""
    from demoweb.spec import build_web

    return build(build_web(scale))

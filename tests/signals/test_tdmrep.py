"""TDMRep: the fixtures' expected parses (SOURCES.md), matching, priority and protocol errors."""

from __future__ import annotations

import json

import pytest

from provenance.observation import Status
from provenance.signals import tdmrep
from provenance.signals._html import meta_tags, parse_html
from provenance.signals.model import Level, SignalKind
from provenance.signals.tdmrep import TdmFile, TdmPolicy, parse_reservation
from tests.signals.conftest import fixture_dir, read_http_headers

FILE_URL = "https://provider.com/.well-known/tdmrep.json"


def load(name: str) -> TdmFile:
    return TdmFile.from_fetch(FILE_URL, 200, (fixture_dir("tdmrep") / name).read_bytes(), None)


def file_of(rules: object) -> TdmFile:
    return TdmFile.from_fetch(FILE_URL, 200, json.dumps(rules).encode(), None)


def test_itcop_file() -> None:
    tdm = load("itcop.org_tdmrep.json")
    assert tdm.status is Status.OK
    [rule] = tdm.rules
    assert (rule.location, rule.reservation, rule.policy) == (
        "/",
        1,
        "https://itcop.org/licence/0pn-mrt-1.0.json",
    )
    reservation, policy = tdm.signals_for("https://itcop.org/any/page.html")
    assert (reservation.kind, reservation.value, reservation.restricts) == (
        SignalKind.TDM_RESERVATION,
        "1",
        True,
    )
    assert reservation.source == "/.well-known/tdmrep.json"
    assert json.loads(reservation.evidence)["location"] == "/"
    assert (policy.kind, policy.value) == (
        SignalKind.TDM_POLICY,
        "https://itcop.org/licence/0pn-mrt-1.0.json",
    )


def test_spec_example_1_reserves_everything() -> None:
    tdm = load("w3c-spec_example1_tdmrep.json")
    assert [(r.location, r.reservation, r.policy) for r in tdm.rules] == [("/", 1, None)]
    assert tdm.match("https://provider.com/img/a.jpg") is tdm.rules[0]


@pytest.mark.parametrize(
    ("path", "value", "policy"),
    [
        ("/directory-a/report.pdf", "1", None),
        ("/directory-b/html/page.html", "1", "https://provider.com/policies/policy.json"),
        ("/directory-b/images/photo.jpg", "0", None),
        # the pattern is case-sensitive and has no $: .JPG does not match, .jpg?x does
        ("/directory-b/images/photo.JPG", "unset", None),
        ("/directory-b/images/photo.jpg?size=2", "0", None),
        ("/elsewhere/photo.jpg", "unset", None),
    ],
)
def test_spec_example_2(path: str, value: str, policy: str | None) -> None:
    tdm = load("w3c-spec_example2_tdmrep.json")
    assert [(r.location, r.reservation) for r in tdm.rules] == [
        ("/directory-a/", 1),
        ("/directory-b/html/", 1),
        ("/directory-b/images/*.jpg", 0),
    ]
    signals = tdm.signals_for("https://provider.com" + path)
    assert signals[0].value == value
    assert signals[0].restricts == (value == "1")
    policies = [s.value for s in signals if s.kind is SignalKind.TDM_POLICY]
    assert policies == ([policy] if policy else [])


def test_invalid_json_file_is_unparseable_without_raising() -> None:
    tdm = load("w3c-spec_full-policy-example2_invalid-json.json")
    assert tdm.status is Status.UNPARSEABLE
    assert tdm.rules == ()
    [signal] = tdm.signals_for("https://provider.com/a")
    assert signal.value == "unset"
    assert not signal.restricts


def test_first_rule_in_sequence_wins_even_when_a_later_one_is_longer() -> None:
    tdm = file_of(
        [
            {"location": "/a/", "tdm-reservation": 0},
            {"location": "/a/b/", "tdm-reservation": 1},
        ]
    )
    [signal] = tdm.signals_for("https://provider.com/a/b/c.jpg")
    assert signal.value == "0"
    assert signal.extra["rule_index"] == 0
    assert signal.extra["later_matches"] == [1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (0, 0),
        ("1", 1),
        (" 0 ", 0),
        # what real files and servers send for 1: read as 1 (fail closed), the problem named
        (True, 1),
        (1.0, 1),
        ('"1"', 1),
        ("1, 1", 1),  # two header lines combined by an intermediary (RFC 9110 §5.3)
        ("0, 1", 1),
        ("1;", 1),
        # protocol errors: unset (never 0, which would override an earlier layer's 1)
        (False, None),
        (0.0, None),
        ("0, 0", None),
        (2, None),
        ("yes", None),
        (None, None),
        (1.5, None),
        ([1], None),
    ],
)
def test_reservation_values(value: object, expected: int | None) -> None:
    assert parse_reservation(value)[0] == expected


def test_protocol_error_rule_is_the_match_and_unset() -> None:
    tdm = file_of(
        [{"location": "/", "tdm-reservation": 2}, {"location": "/", "tdm-reservation": 1}]
    )
    [signal] = tdm.signals_for("https://provider.com/x")
    assert signal.value == "unset"
    assert "protocol error" in signal.extra["problem"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", Status.UNPARSEABLE),
        (b"not json", Status.UNPARSEABLE),
        (b'{"a": 1}', Status.UNPARSEABLE),
        (b'{"location": "/", "tdm-reservation": 1}', Status.OK),
        (b'[{"location": "/", "tdm-reservation": 1},]', Status.UNPARSEABLE),
        (b"[" * 100_000, Status.UNPARSEABLE),
        (b'[{"location": 5}, "x", {"tdm-reservation": 1}]', Status.OK),
    ],
)
def test_odd_files_never_raise(body: bytes, status: Status) -> None:
    tdm = TdmFile.from_fetch(FILE_URL, 200, body, None)
    assert tdm.status is status
    tdm.signals_for("https://provider.com/x")


def test_a_single_object_and_a_trailing_comma_are_read_leniently() -> None:
    single = TdmFile.from_fetch(FILE_URL, 200, b'{"location": "/", "tdm-reservation": 1}', None)
    assert single.signals_for("https://provider.com/x")[0].value == "1"
    comma = TdmFile.from_fetch(FILE_URL, 200, b'[{"location": "/", "tdm-reservation": 1},]', None)
    assert "trailing comma" in comma.reason
    assert comma.signals_for("https://provider.com/x")[0].value == "1"


@pytest.mark.parametrize(
    ("status", "error", "obs"),
    [
        (404, None, Status.ABSENT),
        (503, None, Status.FETCH_FAILED),
        (None, "reset", Status.FETCH_FAILED),
    ],
)
def test_missing_file_is_unset(status: int | None, error: str | None, obs: Status) -> None:
    tdm = TdmFile.from_fetch(FILE_URL, status, b'[{"location": "/", "tdm-reservation": 1}]', error)
    assert tdm.status is obs
    [signal] = tdm.signals_for("https://provider.com/x")
    assert signal.value == "unset"


def test_header_fixtures() -> None:
    folder = fixture_dir("tdmrep")
    first = tdmrep.header_signals(
        read_http_headers(folder / "w3c-spec_example_http-headers-1.txt"), level=Level.IMAGE
    )
    assert [(s.kind, s.value, s.restricts, s.evidence) for s in first] == [
        (SignalKind.TDM_RESERVATION, "1", True, "tdm-reservation: 1")
    ]
    second = tdmrep.header_signals(
        read_http_headers(folder / "w3c-spec_example_http-headers-2.txt")
    )
    assert [(s.kind, s.value) for s in second] == [
        (SignalKind.TDM_RESERVATION, "1"),
        (SignalKind.TDM_POLICY, "https://provider.com/policies/policy.json"),
    ]


def test_html_meta_fixture() -> None:
    html = (fixture_dir("tdmrep") / "w3c-spec_example_html-meta.html").read_text("utf-8")
    signals = tdmrep.meta_signals(meta_tags(parse_html(html)))
    assert [(s.kind, s.value, s.source) for s in signals] == [
        (SignalKind.TDM_RESERVATION, "1", "meta:tdm-reservation"),
        (SignalKind.TDM_POLICY, "https://provider.com/policies/policy.json", "meta:tdm-policy"),
    ]
    assert signals[0].evidence == '<meta name="tdm-reservation" content="1">'


def _layer(source: str, *values: str) -> list:
    return (
        tdmrep.header_signals({"tdm-reservation": list(values)})
        if source == "header"
        else [
            s
            for v in values
            for s in tdmrep.meta_signals(
                meta_tags(parse_html(f'<meta name="tdm-reservation" content="{v}">'))
            )
        ]
    )


@pytest.mark.parametrize(
    ("file_value", "header", "meta", "expected", "decided_by"),
    [
        # the header overrides the file
        (1, ["0"], [], 0, "header:tdm-reservation"),
        # absence does not reset
        (1, [], [], 1, "/.well-known/tdmrep.json"),
        # the meta overrides the header
        (None, ["1"], ["0"], 0, "meta:tdm-reservation"),
        # a protocol error is unset and does not override either
        (1, ["2"], ["maybe"], 1, "/.well-known/tdmrep.json"),
        # conflicting header lines keep the reservation
        (None, ["0", "1"], [], 1, "header:tdm-reservation"),
        (None, [], [], None, None),
    ],
)
def test_processing_priority(
    file_value: int | None,
    header: list[str],
    meta: list[str],
    expected: int | None,
    decided_by: str | None,
) -> None:
    rules = [] if file_value is None else [{"location": "/", "tdm-reservation": file_value}]
    file_layer = file_of(rules).signals_for("https://provider.com/page") if rules else []
    state = tdmrep.resolve(file_layer, _layer("header", *header), _layer("meta", *meta))
    assert state.reservation == expected
    assert (state.decided_by.source if state.decided_by else None) == decided_by
    assert state.reserved == (expected == 1)


def test_policy_not_followed_when_not_reserved() -> None:
    headers = {"tdm-reservation": "0", "tdm-policy": "https://provider.com/p.json"}
    signals = tdmrep.header_signals(headers)
    state = tdmrep.resolve(signals)
    assert state.policy is None
    assert state.policy_signal is not None
    assert "not_followed" in state.policy_signal.extra


def test_policy_documents() -> None:
    folder = fixture_dir("tdmrep")
    one = TdmPolicy.from_fetch(
        "u",
        200,
        (folder / "w3c-spec_full-policy-example1.json").read_bytes(),
        None,
        "application/ld+json",
    )
    assert one.status is Status.OK
    assert one.machine_readable
    assert one.permissions[0]["action"] == "tdm:mine"
    assert one.permissions[0]["duty"] == [{"action": "obtainConsent"}]
    assert one.data is not None
    assert one.data["assigner"]["vcard:fn"] == "Provider"
    bad = TdmPolicy.from_fetch(
        "u",
        200,
        (folder / "w3c-spec_full-policy-example2_invalid-json.json").read_bytes(),
        None,
        "text/html",
    )
    assert bad.status is Status.UNPARSEABLE
    assert not bad.machine_readable
    assert "invalid JSON" in bad.reason
    assert bad.permissions[0]["duty"] == [{"action": "compensate"}]
    assert bad.permissions[0]["constraint"][0]["rightOperand"] == "tdm:non-research"
    itcop = TdmPolicy.from_fetch(
        "u", 200, (folder / "itcop.org_0pn-mrt-1.0.json").read_bytes(), None, "application/json"
    )
    assert itcop.status is Status.OK
    [permission] = itcop.permissions
    assert permission["action"] == "tdm:mine"
    assert permission["target"] == "https://itcop.org/"
    assert [d["action"] for d in permission["duty"]] == ["attribute", "inform"]
    assert itcop.data is not None
    assert itcop.data["mrt:reservation_basis"].startswith("Article 4(3), Directive (EU) 2019/790")
    missing = TdmPolicy.from_fetch("u", 404, None, None)
    assert missing.status is Status.ABSENT


def test_a_combined_header_line_reserves_and_says_why() -> None:
    from provenance.signals.tdmrep import header_signals

    headers = {"tdm-reservation": ["1, 1"], "tdm-policy": ["https://e.com/policy.json"]}
    reservation, policy = header_signals(headers, url="https://e.com/a.jpg")
    assert (reservation.value, reservation.restricts) == ("1", True)
    assert "read as 1" in reservation.extra["problem"]
    assert reservation.evidence == "tdm-reservation: 1, 1"
    assert (policy.kind, policy.value) == (SignalKind.TDM_POLICY, "https://e.com/policy.json")
    assert "not_followed" not in policy.extra
    # a JSON true in tdmrep.json reserves the path it names, and only that one
    tdm = file_of([{"location": "/photos/", "tdm-reservation": True}])
    [signal] = tdm.signals_for("https://provider.com/photos/a.jpg")
    assert (signal.value, signal.restricts) == ("1", True)
    assert "read as 1" in signal.extra["problem"]
    assert tdm.signals_for("https://provider.com/about")[0].value == "unset"


# tdmrep.json as real servers break it. Each of these was "unset" for every path (no rule read,
# or the file over the cap ignored whole), so a site reserving its photos read as not reserved.
def test_a_missing_comma_keeps_the_rules_and_a_broken_rule_reserves_on_what_follows() -> None:
    public = b'{"location": "/public/", "tdm-reservation": 0}'
    body = b"[" + public + b'\n {"location": "/", "tdm-reservation": 1}]'
    tdm = TdmFile.from_fetch(FILE_URL, 200, body, None)
    assert tdm.status is Status.UNPARSEABLE
    assert [(r.location, r.reservation) for r in tdm.rules] == [("/public/", 0), ("/", 1)]
    assert tdm.signals_for("https://provider.com/public/a.jpg")[0].value == "0"
    assert tdm.signals_for("https://provider.com/photos/a.jpg")[0].value == "1"
    # a rule that does not parse (single quotes) ends what can be read
    body = b"[" + public + b", {'location': '/', \"tdm-reservation\": 1}]"
    tdm = TdmFile.from_fetch(FILE_URL, 200, body, None)
    assert [(r.location, r.reservation) for r in tdm.rules] == [("/public/", 0)]
    assert tdm.unread_reserves
    # the readable first rule still decides what it covers ("first in sequence")
    assert tdm.signals_for("https://provider.com/public/a.jpg")[0].value == "0"
    [signal] = tdm.signals_for("https://provider.com/photos/a.jpg")
    assert (signal.value, signal.restricts) == ("1", True)
    assert signal.extra["unread_reserves"] is True
    assert "invalid JSON" in signal.evidence


def test_a_file_over_the_cap_reads_its_first_rules() -> None:
    rules = [{"location": "/photos/", "tdm-reservation": 1}] + [
        {"location": f"/archive/{i:06d}/", "tdm-reservation": 1} for i in range(20_000)
    ]
    body = json.dumps(rules).encode()
    assert len(body) > 512 * 1024
    for cut in (body, body[: 512 * 1024]):  # served whole, or as the crawler keeps it
        tdm = TdmFile.from_fetch(FILE_URL, 200, cut, None)
        assert tdm.status in (Status.TOO_LARGE, Status.UNPARSEABLE)
        assert tdm.rules[0].location == "/photos/"
        [signal] = tdm.signals_for("https://provider.com/photos/a.jpg")
        assert (signal.value, signal.restricts, signal.extra["rule_index"]) == ("1", True, 0)
        # a path no read rule covers: the rest of the file is unknown and it reserves: fail closed
        assert tdm.signals_for("https://provider.com/zzz/a.jpg")[0].restricts


@pytest.mark.parametrize(
    ("body", "restricts"),
    [
        # the rules wrapped in an object
        (b'{"rules": [{"location": "/", "tdm-reservation": 1}]}', True),
        # JavaScript-style keys: no rule readable, but it states a reservation
        (b"[{location: '/', 'tdm-reservation': 1}]", True),
        (b'[{"location": "/", "tdm-reservation": 1}', True),  # cut before the ']'
        # soft 404s and files that reserve nothing stay unset
        (b"<!doctype html><html><body>Not found</body></html>", False),
        (b"[{location: '/', 'tdm-reservation': 0}]", False),
        (b'{"tdm-reservation": 10}', False),
    ],
)
def test_unreadable_files_reserve_only_when_their_text_states_it(
    body: bytes, restricts: bool
) -> None:
    tdm = TdmFile.from_fetch(FILE_URL, 200, body, None)
    assert tdm.status is Status.UNPARSEABLE
    [signal, *_] = tdm.signals_for("https://provider.com/img/a.jpg")
    assert signal.restricts is restricts
    assert signal.value == ("1" if restricts else "unset")


@pytest.mark.parametrize(
    "body",
    [
        '[x "tdm-reservation":' + " " * 512 * 1024,
        "[x tdm-reservation: '" + " " * 512 * 1024,
        "[" * 512 * 1024,
        '[x"tdm-reservation": ' * 26_000,
    ],
)
def test_hostile_tdmrep_json_is_read_in_linear_time(body: str) -> None:
    """A run of spaces after 'tdm-reservation:' made the reservation regex quadratic."""
    import time

    start = time.process_time()
    tdm = TdmFile.from_fetch(FILE_URL, 200, body.encode(), None)
    assert time.process_time() - start < 3.0  # about 0.02 s when linear
    assert not tdm.unread_reserves
    assert not tdm.signals_for("https://provider.com/a.jpg")[0].restricts


@pytest.mark.parametrize(
    "rule",
    [
        {"location": ["/docs/", "/photos/"], "tdm-reservation": 1},
        {"location": "/photos/", "tdm_reservation": 1},
        {"Location": "/photos/", "TDM-Reservation": 1},
        {"location": "/photos/", "tdmReservation": "1"},
    ],
)
def test_rules_written_with_a_location_list_or_another_key_spelling_reserve(
    rule: dict[str, object],
) -> None:
    """Each read as "location missing" or "tdm-reservation missing": unset, never reserved."""
    tdm = file_of([rule, {"location": "/", "tdm-reservation": 0}])
    [signal] = tdm.signals_for("https://provider.com/photos/a.jpg")
    assert (signal.value, signal.restricts, signal.extra["rule_index"]) == ("1", True, 0)
    assert signal.extra["problem"]
    assert tdm.signals_for("https://provider.com/about")[0].value == "0"

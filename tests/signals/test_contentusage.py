"""AIPREF Content-Usage and Cloudflare Content-Signal values."""

from __future__ import annotations

import pytest

from provenance.observation import Status
from provenance.signals.contentusage import (
    parse_preferences,
    preference_signals,
    signals_from_headers,
    split_robots_value,
)
from provenance.signals.model import Level, SignalKind


@pytest.mark.parametrize(
    ("value", "prefs", "status"),
    [
        ("train-ai=n", {"train-ai": "n"}, Status.OK),
        ("train-ai=n, search=y", {"train-ai": "n", "search": "y"}, Status.OK),
        (
            "search=yes, ai-train=no, ai-input=no",
            {"search": "y", "ai-train": "n", "ai-input": "n"},
            Status.OK,
        ),
        # lenient: case, spaces, quotes, RFC 9651 parameters, duplicates (last wins)
        ('Train-AI = "N" ;reason=x,SEARCH=Y', {"train-ai": "n", "search": "y"}, Status.OK),
        ("train-ai=y, train-ai=n", {"train-ai": "n"}, Status.OK),
        # a bare key is an RFC 9651 boolean true, not the Token y: it states nothing
        ("search", {}, Status.UNPARSEABLE),
        ("train-ai=maybe, search=y", {"search": "y"}, Status.OK),
        ("", {}, Status.ABSENT),
        ("===, ;;", {}, Status.UNPARSEABLE),
    ],
)
def test_parse(value: str, prefs: dict[str, str], status: Status) -> None:
    parsed = parse_preferences(value)
    assert parsed.prefs == prefs
    assert parsed.status is status


@pytest.mark.parametrize(
    ("value", "restricting"),
    [
        ("train-ai=n", ["train-ai=n"]),
        ("train-genai=n, search=y", ["train-genai=n"]),
        ("train-ai=y", []),
        # the root category is inherited by train-ai when train-ai says nothing
        ("bots=n", ["bots=n"]),
        ("all=n", ["all=n"]),
        # the face-search crawl is also AI use, which bots=n still forbids
        ("bots=n, train-ai=y", ["bots=n"]),
        ("bots=n, train-ai=y, ai-use=y", []),
        ("search=n", []),
        # older drafts' labels, mapped to today's (vocab-01, -02, -03/04)
        ("tdm=n", ["tdm=n"]),
        ("genai=n, search=y", ["genai=n"]),
        ("inference=n", ["inference=n"]),
        ("ai-output=n", ["ai-output=n"]),
        ("ai-use=n", ["ai-use=n"]),
        # a key no draft defines is evidence, never a restriction or a permission
        ("face-search=n", []),
        # not a valid Dictionary (uppercase): read leniently, its n still counts
        ("Train-AI=N", ["train-ai=n"]),
        # leniently read, an allow never overrides a disallow
        ("TDM=n, train-ai=y, ai-use=y", ["tdm=n"]),
    ],
)
def test_content_usage_training_restrictions(value: str, restricting: list[str]) -> None:
    signals = preference_signals(
        value, SignalKind.CONTENT_USAGE, source="header:Content-Usage", level=Level.PAGE
    )
    assert [s.value for s in signals if s.restricts] == restricting


@pytest.mark.parametrize(
    ("value", "restricting"),
    [
        ("search=yes, ai-train=no", ["ai-train=no"]),
        ("ai-train=yes", []),
        ("ai-input=no", []),
    ],
)
def test_content_signal_training_restrictions(value: str, restricting: list[str]) -> None:
    signals = preference_signals(
        value, SignalKind.CONTENT_SIGNAL, source="robots.txt", level=Level.HOST
    )
    assert [s.value for s in signals if s.restricts] == restricting


def test_other_agent_never_restricts_and_unreadable_values_are_recorded() -> None:
    scoped = preference_signals(
        "train-ai=n",
        SignalKind.CONTENT_USAGE,
        source="robots.txt",
        level=Level.HOST,
        agent="GPTBot",
    )
    assert [(s.value, s.restricts) for s in scoped] == [("train-ai=n", False)]
    [junk] = preference_signals(
        "???", SignalKind.CONTENT_USAGE, source="header:Content-Usage", level=Level.PAGE
    )
    assert junk.value == "unparseable"
    assert not junk.restricts


def test_headers() -> None:
    signals = signals_from_headers(
        {"content-usage": ["train-ai=n", "search=y"], "Content-Signal": "ai-train=no"},
        url="https://e.com/a.jpg",
        level=Level.IMAGE,
    )
    assert [(s.kind, s.value, s.restricts, s.evidence) for s in signals] == [
        (SignalKind.CONTENT_USAGE, "train-ai=n", True, "Content-Usage: train-ai=n"),
        (SignalKind.CONTENT_USAGE, "search=y", False, "Content-Usage: search=y"),
        (SignalKind.CONTENT_SIGNAL, "ai-train=no", True, "Content-Signal: ai-train=no"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("train-ai=n", (None, "train-ai=n")),
        ("/photos/ train-ai=n", ("/photos/", "train-ai=n")),
        ("*.jpg\ttrain-ai=n, search=y", ("*.jpg", "train-ai=n, search=y")),
        ("/only-a-path", ("/only-a-path", "")),
    ],
)
def test_robots_rule_value(value: str, expected: tuple[str | None, str]) -> None:
    assert split_robots_value(value) == expected


def test_labels_are_recorded_as_written_with_their_current_meaning() -> None:
    [old, new, odd] = preference_signals(
        "train-genai=n, search=y, face-search=n",
        SignalKind.CONTENT_USAGE,
        source="header:Content-Usage",
        level=Level.PAGE,
    )
    assert (old.value, old.extra["label"], old.extra["written_as"], old.extra["draft"]) == (
        "train-genai=n",
        "train-ai",
        "train-genai",
        "vocab-02..04",
    )
    assert new.extra["label"] == "search"
    assert "written_as" not in new.extra
    assert odd.extra["label"] is None
    assert not odd.restricts


def test_a_purpose_that_trains_nothing_is_not_stopped_by_a_training_opt_out() -> None:
    from policies.purposes import profile

    demo = frozenset(profile("education-demo").usage_labels["aipref"])
    research = frozenset(profile("research").usage_labels["aipref"])
    for value, triggers, restricting in [
        ("train-ai=n", demo, []),
        ("tdm=n", demo, ["tdm=n"]),  # all automated processing still covers a classroom crawl
        ("train-ai=n", research, ["train-ai=n"]),
        ("bots=n, train-ai=y", research, []),
        ("ai-use=n", research, []),
    ]:
        signals = preference_signals(
            value, SignalKind.CONTENT_USAGE, source="h", level=Level.PAGE, triggers=triggers
        )
        assert [s.value for s in signals if s.restricts] == restricting, value


def test_profiles_name_only_labels_the_vocabularies_define() -> None:
    from policies.purposes import load_profiles
    from provenance.signals.contentusage import CURRENT_LABELS

    for prof in load_profiles().values():
        assert set(prof.usage_labels["aipref"]) <= CURRENT_LABELS, prof.name


def test_lenient_and_not_understood_members_are_kept_as_evidence() -> None:
    [signal] = preference_signals(
        "Train-AI=N", SignalKind.CONTENT_USAGE, source="h", level=Level.PAGE
    )
    assert "lenient" in signal.extra
    parsed = parse_preferences("train-ai=maybe, search=y")
    assert parsed.unknown == ("train-ai=maybe",)
    assert parsed.effective("train-ai") is None
    assert parse_preferences("bots=n").effective("search") == "n"
    assert parse_preferences("TRAIN-AI=y").effective("train-ai") is None

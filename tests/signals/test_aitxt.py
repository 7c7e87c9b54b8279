"""Spawning ai.txt: the MLTSHP file (everything opted out) and fetch outcomes."""

from __future__ import annotations

import pytest

from provenance.observation import Status
from provenance.signals.aitxt import AiTxt, AiTxtVerdict
from provenance.signals.model import SignalKind
from tests.signals.conftest import fixture_dir

AI_URL = "https://mltshp.com/ai.txt"


def mltshp() -> AiTxt:
    body = (fixture_dir("tdmrep") / "mltshp.com_ai.txt").read_bytes()
    return AiTxt.from_fetch(AI_URL, 200, body, None)


@pytest.mark.parametrize(
    ("path", "line", "evidence"),
    [
        ("/r/ABC.jpg", 20, "Disallow: *.jpg"),
        # ai.txt matching is case-insensitive, in favour of the opt-out
        ("/r/ABC.JPG", 20, "Disallow: *.jpg"),
        ("/r/ABC.png", 21, "Disallow: *.png"),
        ("/r/ABC.webp", 25, "Disallow: *.webp"),
        ("/user/someone", 59, "Disallow: /"),
        ("/", 59, "Disallow: /"),
    ],
)
def test_mltshp_opts_everything_out(path: str, line: int, evidence: str) -> None:
    decision = mltshp().can_use("https://mltshp.com" + path)
    assert decision.verdict is AiTxtVerdict.DISALLOW
    assert decision.line == line
    assert decision.evidence == evidence
    assert decision.group == ("*",)


def test_mltshp_signal_restricts_provtrack() -> None:
    ai = mltshp()
    assert ai.status is Status.OK
    [signal] = ai.signals_for("https://mltshp.com/r/1.jpg")
    assert signal.kind is SignalKind.AI_TXT
    assert signal.value == "disallow"
    assert signal.restricts
    assert signal.extra["line"] == 20
    [other] = ai.signals_for("https://mltshp.com/r/1.jpg", "GPTBot")
    assert not other.restricts


@pytest.mark.parametrize(
    ("status", "error", "verdict", "obs"),
    [
        (404, None, AiTxtVerdict.UNAVAILABLE, Status.ABSENT),
        # no RFC says an unreachable ai.txt forbids anything: unknown, recorded, not enforced
        (503, None, AiTxtVerdict.UNKNOWN, Status.FETCH_FAILED),
        (None, "timeout", AiTxtVerdict.UNKNOWN, Status.FETCH_FAILED),
    ],
)
def test_fetch_outcomes(
    status: int | None, error: str | None, verdict: AiTxtVerdict, obs: Status
) -> None:
    ai = AiTxt.from_fetch(AI_URL, status, b"User-Agent: *\nDisallow: /\n", error)
    assert ai.status is obs
    decision = ai.can_use("https://mltshp.com/a.jpg")
    assert decision.verdict is verdict
    assert not decision.restricts
    [signal] = ai.signals_for("https://mltshp.com/a.jpg")
    assert signal.value == verdict.value
    assert not signal.restricts


def test_allow_longest_match_and_own_group() -> None:
    text = (
        b"User-Agent: *\nDisallow: /\nAllow: /public/\n\nUser-Agent: provtrack\nDisallow: *.gif\n"
    )
    ai = AiTxt.from_fetch(AI_URL, 200, text, None)
    assert ai.can_use("https://x.org/public/a.jpg", "GPTBot").verdict is AiTxtVerdict.ALLOW
    assert ai.can_use("https://x.org/a.jpg", "GPTBot").verdict is AiTxtVerdict.DISALLOW
    assert ai.can_use("https://x.org/a.jpg").verdict is AiTxtVerdict.ALLOW
    assert ai.can_use("https://x.org/a.GIF").verdict is AiTxtVerdict.DISALLOW


def test_binary_body_is_unparseable_and_states_no_rule() -> None:
    ai = AiTxt.from_fetch(AI_URL, 200, b"\x00\x01\x02\xff" * 10, None)
    assert ai.status is Status.UNPARSEABLE
    assert ai.can_use("https://x.org/a.jpg").verdict is AiTxtVerdict.ALLOW


def ai_txt(text: str) -> AiTxt:
    return AiTxt.from_fetch("https://e.com/ai.txt", 200, text.encode(), None)


# ai.txt files as people write them by hand: no User-Agent line at all, extensions written
# ".jpg". Each read as allowing everything (rules outside a group are dropped, "/.jpg" matches
# nothing), although the file plainly opts out.
@pytest.mark.parametrize(
    ("text", "face", "page"),
    [
        ("# ai.txt\nDisallow: /\n", AiTxtVerdict.DISALLOW, AiTxtVerdict.DISALLOW),
        ("Disallow: *.jpg\nDisallow: *.jpeg\n", AiTxtVerdict.DISALLOW, AiTxtVerdict.ALLOW),
        ("User-Agent: *\nDisallow: .JPG\n", AiTxtVerdict.DISALLOW, AiTxtVerdict.ALLOW),
        # rules before the first group add to a real '*' group, their Allow lines never widen it
        (
            "Allow: /photos/\nDisallow: *.html\nUser-Agent: *\nDisallow: /photos/\n",
            AiTxtVerdict.DISALLOW,
            AiTxtVerdict.DISALLOW,
        ),
        # without a real '*' group they are the '*' group, Allow included
        ("Allow: /about\nDisallow: /\n", AiTxtVerdict.DISALLOW, AiTxtVerdict.ALLOW),
    ],
)
def test_hand_written_ai_txt_opt_outs_count(
    text: str, face: AiTxtVerdict, page: AiTxtVerdict
) -> None:
    ai = ai_txt(text)
    assert ai.status is Status.OK
    assert ai.can_use("https://e.com/photos/face.jpg").verdict is face
    assert ai.can_use("https://e.com/about.html").verdict is page


def test_rules_before_any_group_are_named_as_such() -> None:
    ai = ai_txt("Disallow: /\n\nUser-Agent: GPTBot\nDisallow: /\n")
    decision = ai.can_use("https://e.com/a.jpg")
    assert decision.verdict is AiTxtVerdict.DISALLOW
    assert decision.line == 1
    assert "before any User-agent line" in decision.reason
    [signal] = ai.signals_for("https://e.com/a.jpg")
    assert signal.restricts
    # a group of its own for provtrack is not overridden by them
    own = ai_txt("Disallow: /\nUser-Agent: provtrack\nAllow: /\n")
    assert own.can_use("https://e.com/a.jpg").verdict is AiTxtVerdict.ALLOW

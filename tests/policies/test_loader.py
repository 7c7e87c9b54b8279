"""Pack loading: the built-in packs, malformed packs refused with file and line, extra folders."""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import pytest

from policies import evaluate, load_pack, load_packs
from policies.loader import builtin_pack_dir, describe
from provenance.errors import PolicyError
from tests.policies.support import builtin_packs, record

LEGAL_NOTES = Path(__file__).resolve().parents[2] / ".." / "shared" / "legal-notes.md"

GOOD = """\
pack: test-pack
name: "A test pack"
version: "0.1"
jurisdictions: [CA-BC]
applies_when: "subject_jurisdictions.exists(j, j.code == 'CA-BC')"
effective: 2004-01-01
sources: ["a source"]
rules:
  - id: T-ONE
    when: "contains_face == true"
    verdict: needs-review
    citation: "s.1"
    explanation: "One line."
    effective: 2004-01-01
    confidence: V
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_pack(path)
    return info.value


def test_builtin_packs_load_with_versions_and_unique_rule_ids() -> None:
    packs = builtin_packs()
    assert {p.id for p in packs} == {
        "au",
        "br",
        "ca-ab",
        "ca-bc",
        "ca-pipeda",
        "ca-qc",
        "children",
        "eu",
        "jp",
        "kr",
        "uk",
        "us-ca-ccpa",
        "us-co",
        "us-il-bipa",
        "us-tx-cubi",
        "us-wa",
    }
    ids = [r.id for p in packs for r in p.rules]
    assert len(ids) == len(set(ids))
    for pack in packs:
        assert pack.version
        assert pack.sources
        assert pack.overrides is None
        for rule in pack.rules:
            assert rule.citation.strip()
            assert rule.explanation.strip()
            assert "\n" not in rule.explanation
            assert rule.effective >= pack.effective


def test_good_pack_loads(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, GOOD))
    assert pack.id == "test-pack"
    assert pack.version == "0.1"
    assert [r.id for r in pack.rules] == ["T-ONE"]
    assert pack.rules[0].line == 9


# Each malformed pack: the text, the line the error must name, the rule id (or None), and a
# fragment of the reason.
MALFORMED = [
    # bad YAML: an unclosed flow sequence
    (GOOD.replace("jurisdictions: [CA-BC]", "jurisdictions: [CA-BC"), 5, None, "YAML syntax error"),
    # missing key: the rule has no citation
    (GOOD.replace('    citation: "s.1"\n', ""), 9, "T-ONE", "missing required key 'citation'"),
    # missing key in the header: no version
    (GOOD.replace('version: "0.1"\n', ""), 1, None, "missing required key 'version'"),
    # unknown key in a rule
    (
        GOOD.replace("    confidence: V\n", "    confidence: V\n    severity: high\n"),
        16,
        "T-ONE",
        "unknown key 'severity'",
    ),
    # unknown verdict
    (
        GOOD.replace("verdict: needs-review", "verdict: forbidden"),
        11,
        "T-ONE",
        "unknown verdict 'forbidden'",
    ),
    # unknown confidence mark
    (GOOD.replace("confidence: V", "confidence: high"), 15, "T-ONE", "unknown confidence"),
    # bad date
    (
        GOOD.replace("    effective: 2004-01-01", "    effective: 2004-13-01"),
        14,
        "T-ONE",
        "must be a date",
    ),
    # CEL syntax error
    (
        GOOD.replace('when: "contains_face == true"', 'when: "contains_face == && true"'),
        10,
        "T-ONE",
        "CEL syntax error",
    ),
    # CEL that names a field PolicyFacts does not have
    (
        GOOD.replace('when: "contains_face == true"', 'when: "has_face == true"'),
        10,
        "T-ONE",
        "unknown field 'has_face'",
    ),
    # CEL that compares a field with a value outside its vocabulary
    (
        GOOD.replace('when: "contains_face == true"', "when: \"purpose == 'surveillance'\""),
        10,
        "T-ONE",
        "'surveillance' is not a possible value",
    ),
    # CEL of the wrong type
    (
        GOOD.replace('when: "contains_face == true"', 'when: "face_count"'),
        10,
        "T-ONE",
        "must be boolean",
    ),
    # an applies_when that names an unknown field
    (GOOD.replace("j.code == 'CA-BC'", "j.province == 'BC'"), 5, None, "no member 'province'"),
    # a version that YAML reads as a number
    (GOOD.replace('version: "0.1"', "version: 0.1"), 3, None, "version must be quoted text"),
    # a repeated YAML key inside a rule
    (
        GOOD.replace("    confidence: V\n", "    confidence: V\n    verdict: violation\n"),
        16,
        None,
        "duplicate key 'verdict'",
    ),
    # an explanation over two lines
    (
        GOOD.replace('explanation: "One line."', 'explanation: "One line.\\nTwo lines."'),
        13,
        "T-ONE",
        "one line",
    ),
    # a bad jurisdiction code
    (
        GOOD.replace("jurisdictions: [CA-BC]", "jurisdictions: [canada]"),
        4,
        None,
        "not an ISO 3166 code",
    ),
]


@pytest.mark.parametrize(("text", "line", "rule_id", "reason"), MALFORMED)
def test_malformed_pack_is_refused_with_file_and_line(
    tmp_path: Path, text: str, line: int, rule_id: str | None, reason: str
) -> None:
    path = write(tmp_path, text)
    err = refused(path)
    assert err.path == str(path)
    assert err.line == line
    assert err.rule_id == rule_id
    assert reason in err.reason
    assert f"{path}:{line}:" in str(err)
    if rule_id:
        assert f"rule {rule_id}:" in str(err)


def test_duplicate_rule_id_names_the_second_occurrence(tmp_path: Path) -> None:
    second = textwrap.indent(GOOD.split("rules:\n", 1)[1], "")
    err = refused(write(tmp_path, GOOD + second))
    assert err.line == 16
    assert err.rule_id == "T-ONE"
    assert "duplicate rule id (first on line 9)" in err.reason
    assert ":16: rule T-ONE: duplicate rule id" in str(err)


def test_cel_error_in_a_literal_block_points_at_the_line_inside_the_block(tmp_path: Path) -> None:
    text = GOOD.replace(
        '    when: "contains_face == true"\n',
        "    when: |\n"
        "      contains_face == true\n"
        "      && purpose == 'facial_recognition_database'\n"
        "      && size(optout_signals) > 0 + 1\n",
    )
    err = refused(write(tmp_path, text))
    assert err.line == 13
    assert "arithmetic" in err.reason


def test_omitted_rule_that_is_also_encoded_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("rules:\n", "omitted:\n  - {id: T-ONE, reason: not encoded}\nrules:\n")
    err = refused(write(tmp_path, text))
    assert err.line == 8
    assert "listed as omitted but encoded" in err.reason


def test_unreadable_and_non_mapping_files_are_refused(tmp_path: Path) -> None:
    assert refused(tmp_path / "missing.yaml").line is None
    assert refused(write(tmp_path, "- just\n- a list\n")).line == 1
    assert "YAML" in refused(write(tmp_path, "a: 1\n---\nb: 2\n")).reason


def test_extra_folder_adds_packs_and_overrides_builtin_by_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    write(extra, GOOD, "test.yaml")
    override = (builtin_pack_dir() / "ca-bc.yaml").read_text(encoding="utf-8")
    override = override.replace('version: "2026.1"', 'version: "2099.9-local"')
    (extra / "bc-local.yml").write_text(override, encoding="utf-8")
    (extra / "notes.txt").write_text("not a pack", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="policies.loader"):
        packs = load_packs(extra_dirs=[extra])
    by_id = {p.id: p for p in packs}
    assert len(packs) == len(builtin_packs()) + 1
    assert by_id["test-pack"].path == str(extra / "test.yaml")
    bc = by_id["ca-bc"]
    assert bc.version == "2099.9-local"
    assert bc.overrides == str(builtin_pack_dir() / "ca-bc.yaml")
    assert [p.id for p in packs].index("ca-bc") == [p.id for p in builtin_packs()].index("ca-bc")
    assert any("overrides" in r.getMessage() and "ca-bc" in r.getMessage() for r in caplog.records)
    verdicts = {v.pack_id: v for v in evaluate(record("CA-BC"), packs)}
    assert verdicts["ca-bc"].pack_version == "2099.9-local"
    assert verdicts["test-pack"].pack_version == "0.1"
    assert describe(packs)[[p.id for p in packs].index("ca-bc")]["overrides"] == bc.overrides


def test_extra_folder_alone_and_missing_folder(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    assert [p.id for p in load_packs(builtin=False, extra_dirs=[tmp_path])] == ["test-pack"]
    with pytest.raises(PolicyError, match="no such folder"):
        load_packs(extra_dirs=[tmp_path / "nope"])


BEYOND_NOTES_PACKS = frozenset({"uk", "us-co", "br", "jp", "kr"})
BEYOND_NOTES_RULES = frozenset({"US-IL-BIPA-SINGLE-RECOVERY"})


def test_every_legal_notes_rule_is_encoded_or_omitted_with_a_reason() -> None:
    if not LEGAL_NOTES.is_file():
        pytest.skip(f"legal-notes.md not found at {LEGAL_NOTES}")
    table_ids = set(
        re.findall(r"^\| ([A-Z]{2,}-[A-Z0-9.-]+) \|", LEGAL_NOTES.read_text(), flags=re.M)
    )
    assert len(table_ids) > 80
    encoded = {r.id for p in builtin_packs() for r in p.rules}
    omitted = {o.id for p in builtin_packs() for o in p.omitted}
    assert all(o.reason.strip() for p in builtin_packs() for o in p.omitted)
    assert table_ids - encoded - omitted == set()
    # Rules written after legal-notes from sources each pack cites itself (the 2026 rulings and
    # the five jurisdictions legal-notes has no table for); any other rule must be in the notes.
    beyond = {
        r.id
        for p in builtin_packs()
        for r in p.rules
        if p.id in BEYOND_NOTES_PACKS or r.id in BEYOND_NOTES_RULES
    }
    assert (encoded | omitted) - table_ids - beyond == set()
    assert BEYOND_NOTES_RULES <= encoded

"""Load and validate policy packs; every defect is a ``PolicyError`` naming file, line and rule.

A pack file is YAML (safe loading only, see ``policies._yaml``)::

    pack: ca-pipeda                 # id, lowercase; an extra pack with the same id overrides
    name: "Canada (federal): PIPEDA"
    version: "2026.1"               # a string; reported on every verdict
    jurisdictions: [CA]             # ISO 3166 codes the pack governs ("EU" allowed)
    applies_when: >-                # CEL over PolicyFacts; unknown => applies, needs-review
      site_jurisdictions.exists(j, j.country == 'CA' && j.confidence >= 0.2)
    effective: 2001-01-01
    sources: ["PIPEDA, S.C. 2000, c. 5: https://laws-lois.justice.gc.ca/eng/acts/P-8.6/"]
    description: optional text
    omitted:                        # optional: legal-notes rules deliberately not encoded
      - {id: US-WA-19375-ENROLL, reason: "..."}
    rules:
      - id: CA-PIPEDA-CONSENT
        when: "contains_face == true && consent_evidence == 'none'"
        verdict: requires-consent   # violation | requires-consent | needs-review | permitted
        citation: "Sch. 1 cl. 4.3; s.6.1; s.7(1)"
        explanation: "Knowledge and consent are the default."   # one line
        effective: 2001-01-01
        confidence: V               # V | S | M (legal-notes §0.2)
        confidence_note: "V (text), S (guidance)"   # optional
        tags: [consent]             # optional

Validation on load: YAML syntax, duplicate keys, required and unknown keys, types, id
format, duplicate rule ids, verdict, confidence and date vocabularies, CEL that does not
parse and CEL that does not type-check against ``PolicyFacts`` (unknown field, value outside
a field's vocabulary, wrong types).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from policies import _yaml
from policies._cel import CelError, Condition, compile_condition
from policies.facts import FIELDS
from policies.model import Confidence, Omission, Pack, Rule
from provenance.errors import PolicyError
from provenance.vocab import VerdictKind

log = logging.getLogger(__name__)

BUILTIN_DIR: Final = Path(__file__).resolve().parent / "packs"

_PACK_KEYS: Final = {
    "pack": True,
    "name": True,
    "version": True,
    "jurisdictions": True,
    "applies_when": True,
    "effective": True,
    "sources": True,
    "rules": True,
    "description": False,
    "omitted": False,
}
_RULE_KEYS: Final = {
    "id": True,
    "when": True,
    "verdict": True,
    "citation": True,
    "explanation": True,
    "effective": True,
    "confidence": True,
    "tags": False,
    "confidence_note": False,
}
_PACK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9._-]*$")
_JURISDICTION = re.compile(r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def builtin_pack_dir() -> Path:
    """The folder of the packs shipped with provtrack."""
    return BUILTIN_DIR


def load_pack(path: str | Path) -> Pack:
    """Load and validate one pack file; raise ``PolicyError`` on the first defect found."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PolicyError(file, None, None, f"cannot read the pack: {err}") from err
    try:
        data = _yaml.load(text)
    except _yaml.YamlError as err:
        raise PolicyError(file, err.line, None, err.reason) from err
    return _Builder(file).pack(data)


def load_packs(builtin: bool = True, extra_dirs: Iterable[str | Path] = ()) -> list[Pack]:
    """Load the built-in packs and every ``*.yaml``/``*.yml`` in ``extra_dirs``, in order.

    A pack whose id is already loaded replaces the earlier one in place (so an extra pack
    overrides a built-in of the same id); the replacement says so in ``Pack.overrides`` and
    a warning is logged. Raises ``PolicyError`` for a missing folder or any invalid pack.
    """
    dirs: list[Path] = [BUILTIN_DIR] if builtin else []
    for extra in extra_dirs:
        folder = Path(extra)
        if not folder.is_dir():
            raise PolicyError(str(folder), None, None, "no such folder of policy packs")
        dirs.append(folder)
    packs: list[Pack] = []
    index: dict[str, int] = {}
    for folder in dirs:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        for file in files:
            pack = load_pack(file)
            if pack.id in index:
                previous = packs[index[pack.id]]
                log.warning(
                    "policy pack %s from %s overrides the one from %s",
                    pack.id,
                    pack.path,
                    previous.path,
                )
                pack = _with_override(pack, previous.path)
                packs[index[pack.id]] = pack
            else:
                index[pack.id] = len(packs)
                packs.append(pack)
    return packs


def _with_override(pack: Pack, overridden: str) -> Pack:
    return Pack(
        id=pack.id,
        name=pack.name,
        version=pack.version,
        jurisdictions=pack.jurisdictions,
        applies=pack.applies,
        effective=pack.effective,
        sources=pack.sources,
        rules=pack.rules,
        path=pack.path,
        description=pack.description,
        omitted=pack.omitted,
        overrides=overridden,
    )


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, line: int | None, rule_id: str | None, reason: str) -> PolicyError:
        return PolicyError(self.file, line, rule_id, reason)

    def pack(self, data: Any) -> Pack:
        if not isinstance(data, _yaml.LineMap):
            line = getattr(data, "line", 1)
            raise self.error(line, None, "a pack must be a mapping with pack, name, rules...")
        self.keys(data, _PACK_KEYS, None, "pack")
        pack_id = self.string(data, "pack", None)
        if not _PACK_ID.match(pack_id):
            raise self.error(
                data.value_lines["pack"], None, f"pack id {pack_id!r} must be lowercase [a-z0-9._-]"
            )
        jurisdictions = self.string_list(data, "jurisdictions", None)
        for code, line in zip(jurisdictions, data["jurisdictions"].item_lines, strict=True):
            if not _JURISDICTION.match(code):
                raise self.error(line, None, f"{code!r} is not an ISO 3166 code such as CA-QC")
        applies = self.condition(data, "applies_when", None)
        sources = self.string_list(data, "sources", None)
        omitted = self.omissions(data)
        rules_data = data["rules"]
        if not isinstance(rules_data, _yaml.LineList) or not rules_data:
            raise self.error(data.value_lines["rules"], None, "rules must be a non-empty list")
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for item, line in zip(rules_data, rules_data.item_lines, strict=True):
            rule = self.rule(item, line)
            if rule.id in seen:
                raise self.error(
                    item.value_lines["id"],
                    rule.id,
                    f"duplicate rule id (first on line {seen[rule.id]})",
                )
            seen[rule.id] = item.value_lines["id"]
            rules.append(rule)
        clash = sorted({o.id for o in omitted} & set(seen))
        if clash:
            raise self.error(data.key_lines["omitted"], clash[0], "listed as omitted but encoded")
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            raise self.error(data.value_lines["description"], None, "description must be text")
        return Pack(
            id=pack_id,
            name=self.string(data, "name", None),
            version=self.version(data),
            jurisdictions=tuple(jurisdictions),
            applies=applies,
            effective=self.date(data, "effective", None),
            sources=tuple(sources),
            rules=tuple(rules),
            path=self.file,
            description=description,
            omitted=omitted,
        )

    def rule(self, item: Any, line: int) -> Rule:
        if not isinstance(item, _yaml.LineMap):
            raise self.error(line, None, "each rule must be a mapping with id, when, verdict...")
        raw_id = item.get("id")
        rule_id = raw_id if isinstance(raw_id, str) else None
        self.keys(item, _RULE_KEYS, rule_id, "rule")
        rule_id = self.string(item, "id", None)
        if not _RULE_ID.match(rule_id):
            raise self.error(
                item.value_lines["id"], rule_id, "rule ids are upper case, e.g. CA-PIPEDA-CONSENT"
            )
        verdict_text = self.string(item, "verdict", rule_id)
        try:
            verdict = VerdictKind(verdict_text)
        except ValueError:
            raise self.error(
                item.value_lines["verdict"],
                rule_id,
                f"unknown verdict {verdict_text!r}; use one of "
                + ", ".join(v.value for v in VerdictKind),
            ) from None
        confidence_text = item["confidence"]
        try:
            confidence = Confidence(str(confidence_text))
        except ValueError:
            raise self.error(
                item.value_lines["confidence"],
                rule_id,
                f"unknown confidence {confidence_text!r}; use V, S or M (legal-notes §0.2)",
            ) from None
        explanation = self.string(item, "explanation", rule_id)
        if "\n" in explanation.strip():
            raise self.error(item.value_lines["explanation"], rule_id, "explanation is one line")
        tags: tuple[str, ...] = ()
        if "tags" in item:
            tags = tuple(self.string_list(item, "tags", rule_id))
        note = item.get("confidence_note")
        if note is not None and not isinstance(note, str):
            raise self.error(item.value_lines["confidence_note"], rule_id, "must be text")
        return Rule(
            id=rule_id,
            condition=self.condition(item, "when", rule_id),
            verdict=verdict,
            citation=self.string(item, "citation", rule_id),
            explanation=explanation.strip(),
            effective=self.date(item, "effective", rule_id),
            confidence=confidence,
            tags=tags,
            confidence_note=note,
            line=item.line,
        )

    def omissions(self, data: _yaml.LineMap) -> tuple[Omission, ...]:
        if "omitted" not in data:
            return ()
        raw = data["omitted"]
        if not isinstance(raw, _yaml.LineList):
            raise self.error(data.value_lines["omitted"], None, "omitted must be a list")
        out: list[Omission] = []
        for item, line in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, _yaml.LineMap):
                raise self.error(line, None, "each omitted entry needs an id and a reason")
            self.keys(item, {"id": True, "reason": True}, None, "omitted entry")
            out.append(Omission(self.string(item, "id", None), self.string(item, "reason", None)))
        return tuple(out)

    def keys(
        self, data: _yaml.LineMap, spec: dict[str, bool], rule_id: str | None, what: str
    ) -> None:
        for key in data:
            if key not in spec:
                raise self.error(
                    data.key_lines[key],
                    rule_id,
                    f"unknown key {key!r} in {what}; allowed: {', '.join(spec)}",
                )
        for key, required in spec.items():
            if required and key not in data:
                raise self.error(data.line, rule_id, f"{what} is missing required key {key!r}")

    def string(self, data: _yaml.LineMap, key: str, rule_id: str | None) -> str:
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(data.value_lines[key], rule_id, f"{key} must be non-empty text")
        return value

    def string_list(self, data: _yaml.LineMap, key: str, rule_id: str | None) -> list[str]:
        value = data[key]
        if not isinstance(value, _yaml.LineList) or not value:
            raise self.error(data.value_lines[key], rule_id, f"{key} must be a non-empty list")
        for item, line in zip(value, value.item_lines, strict=True):
            if not isinstance(item, str) or not item.strip():
                raise self.error(line, rule_id, f"every item of {key} must be non-empty text")
        return list(value)

    def version(self, data: _yaml.LineMap) -> str:
        value = data["version"]
        if not isinstance(value, str) or not value.strip():
            raise self.error(
                data.value_lines["version"], None, 'version must be quoted text, e.g. "2026.1"'
            )
        return value

    def date(self, data: _yaml.LineMap, key: str, rule_id: str | None) -> dt.date:
        value = data[key]
        line = data.value_lines[key]
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.error(line, rule_id, f"{key} must be a date YYYY-MM-DD, not {value!r}")

    def condition(self, data: _yaml.LineMap, key: str, rule_id: str | None) -> Condition:
        text = self.string(data, key, rule_id)
        try:
            return compile_condition(text, FIELDS)
        except CelError as err:
            line = data.value_lines[key]
            if data.value_styles.get(key) == "|" and err.line:
                line += err.line - 1
            raise self.error(line, rule_id, f"{key}: {err.reason}") from err


def describe(packs: Sequence[Pack]) -> list[dict[str, Any]]:
    """One line of facts per pack (id, version, rule count, overrides) for CLIs and reports."""
    return [
        {
            "pack": p.id,
            "name": p.name,
            "version": p.version,
            "jurisdictions": list(p.jurisdictions),
            "rules": len(p.rules),
            "path": p.path,
            "overrides": p.overrides,
        }
        for p in packs
    ]

"""Declared purpose profiles: the unobservable facts a crawl states about itself.

``purposes.yaml`` names profiles (``clearview-style``, ``education-demo``, ``research``,
``ai-training``); each sets every field of ``policies.facts.PROFILE_FIELDS``. The crawl
declares one, and ``PurposeProfile.apply`` copies its values onto each record's facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from policies import _yaml
from policies.facts import FIELDS, PROFILE_FIELDS, PolicyFacts
from provenance.errors import PolicyError

DEFAULT_PROFILE: Final = "clearview-style"
PURPOSES_FILE: Final = Path(__file__).resolve().parent / "purposes.yaml"


@dataclass(frozen=True, slots=True)
class PurposeProfile:
    """One named profile: a description and a value for every profile field."""

    name: str
    description: str
    values: Mapping[str, Any]
    usage_labels: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Which machine-readable usage categories the collection falls under, per vocabulary
    (``aipref``: current AIPREF labels; ``rsl``: RSL 1.0 usage tokens): an ``n`` or a
    ``prohibits`` of one of them is an opt-out for this crawl."""

    def apply(self, facts: PolicyFacts) -> PolicyFacts:
        """``facts`` with this profile's values in place of its profile fields."""
        return dataclasses.replace(facts, **dict(self.values))


def load_profiles(path: str | Path | None = None) -> dict[str, PurposeProfile]:
    """Load and validate the profiles file (the shipped one by default).

    Raises ``PolicyError`` (file, line, profile name, reason) for YAML errors, a missing or
    unknown field, or a value of the wrong type or outside its vocabulary.
    """
    file = Path(path) if path is not None else PURPOSES_FILE
    try:
        data = _yaml.load(file.read_text(encoding="utf-8"))
    except OSError as err:
        raise PolicyError(str(file), None, None, f"cannot read profiles: {err}") from err
    except _yaml.YamlError as err:
        raise PolicyError(str(file), err.line, None, err.reason) from err
    if not isinstance(data, _yaml.LineMap) or not data:
        raise PolicyError(str(file), 1, None, "profiles must be a mapping of name: fields")
    profiles: dict[str, PurposeProfile] = {}
    for name, body in data.items():
        line = data.key_lines[name]
        if not isinstance(body, _yaml.LineMap):
            raise PolicyError(str(file), line, str(name), "a profile must be a mapping")
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            raise PolicyError(str(file), body.line, str(name), "a profile needs a description")
        values: dict[str, Any] = {}
        usage: dict[str, tuple[str, ...]] = {}
        for key, value in body.items():
            if key == "description":
                continue
            if key == "usage_labels":
                usage = _usage_labels(str(file), body, str(name))
                continue
            if key not in PROFILE_FIELDS:
                raise PolicyError(
                    str(file), body.key_lines[key], str(name), f"{key!r} is not a profile field"
                )
            try:
                FIELDS[key].check(key, value)
            except (TypeError, ValueError) as err:
                raise PolicyError(str(file), body.value_lines[key], str(name), str(err)) from err
            values[key] = value
        missing = [f for f in PROFILE_FIELDS if f not in values]
        if missing:
            raise PolicyError(
                str(file), body.line, str(name), f"profile does not set {', '.join(missing)}"
            )
        profiles[str(name)] = PurposeProfile(str(name), description.strip(), values, usage)
    return profiles


USAGE_VOCABULARIES: Final = ("aipref", "rsl")


def _usage_labels(file: str, body: _yaml.LineMap, name: str) -> dict[str, tuple[str, ...]]:
    raw = body["usage_labels"]
    line = body.value_lines["usage_labels"]
    if not isinstance(raw, _yaml.LineMap):
        raise PolicyError(file, line, name, "usage_labels must map a vocabulary to labels")
    out: dict[str, tuple[str, ...]] = {}
    for vocab, labels in raw.items():
        if vocab not in USAGE_VOCABULARIES:
            raise PolicyError(
                file, raw.key_lines[vocab], name, f"unknown usage vocabulary {vocab!r}"
            )
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise PolicyError(file, raw.value_lines[vocab], name, "labels must be a list")
        out[str(vocab)] = tuple(labels)
    return out


def profile(name: str = DEFAULT_PROFILE, path: str | Path | None = None) -> PurposeProfile:
    """The named profile; ``KeyError`` naming the known profiles when there is none."""
    profiles = load_profiles(path)
    try:
        return profiles[name]
    except KeyError:
        raise KeyError(f"no purpose profile {name!r}; known: {', '.join(profiles)}") from None

"""Benchmark the policy evaluator: records judged per second against every built-in pack.

Run from the repository root: ``python -m bench.evaluate [--records N] [--seed S]``.

Two synthetic datasets of ``--records`` records each:

- ``crawl_like``: crawls as provtrack produces them - one declared purpose profile and day
  per crawl, hosts sharing robots/terms/source type/site jurisdiction, pages sharing opt-out
  signals, images varying in face, licence, age and subject jurisdiction (often unknown),
  with skewed, realistic frequencies, made into facts by evaluation's own ``policy_facts``;
- ``uniform``: every fact drawn independently and uniformly, the adversarial case in which
  almost no two records share what a pack reads, so the memo rarely helps.

For each, in one process on one core:

- ``evaluate``: ``policies.evaluate`` over all records with freshly loaded packs (the memo
  starts empty, so every miss is counted) - median and best of three runs;
- ``evaluate_without_memo``: ``evaluate(..., memo=False)``, the same verdicts from the
  compiled closures alone, on a sample;
- ``closures_only``: just the compiled ``applies_when`` and rule closures, no verdicts;
- ``cel_python_baseline``: cel-python's own interpreter evaluating every expression (each
  compiled once) per record, on a small sample, with the ratio to the above.

Times are CPU seconds of this process (``time.process_time``): the machine is shared and
other work competes for its cores, so wall-clock rates would measure the neighbours; CPU
time measures what one core does for us. Results go to ``bench/results/evaluate.json``
with the machine, load averages, date and command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import celpy

from policies import (
    JurisdictionCandidate,
    Pack,
    PolicyFacts,
    evaluate,
    facts_to_mapping,
    load_packs,
    load_profiles,
)
from policies._cel import UNKNOWN
from policies.facts import OPTOUT_SIGNALS
from provenance.evaluation import HostFacts, policy_facts

RESULTS = Path(__file__).resolve().parent / "results" / "evaluate.json"

SITE_PLACES = [
    ("CA-QC", 0.9),
    ("CA-BC", 0.8),
    ("CA-AB", 0.6),
    ("CA-ON", 0.9),
    ("CA", 0.5),
    ("US-IL", 0.9),
    ("US-TX", 0.7),
    ("US-WA", 0.6),
    ("US-CA", 0.9),
    ("US-NY", 0.8),
    ("US", 0.4),
    ("DE", 0.9),
    ("FR", 0.7),
    ("NL", 0.6),
    ("GB", 0.8),
    ("AU", 0.9),
    ("NZ", 0.7),
]
SOURCE_TYPES = [
    "social_media",
    "news_publication",
    "business_directory",
    "statutory_registry",
    "court_record",
    "personal_site",
    "school_newsletter",
    "photo_sharing",
    "image_gallery",
    "other",
    "unknown",
]
ROBOTS = [("allow", True), ("disallow", False), ("unreachable", False), ("unknown", None)]
TRISTATE: list[bool | None] = [True, False, None]
DAYS = [dt.date(2024, 11, 5), dt.date(2025, 6, 1), dt.date(2026, 2, 10), None]
# Opt-out combinations as sites publish them (most publish none), with weights.
OPTOUTS: list[tuple[tuple[str, ...], float]] = [
    ((), 0.70),
    (("noai", "noimageai"), 0.10),
    (("tdm_reservation",), 0.05),
    (("robots_disallow",), 0.04),
    (("ai_txt_disallow",), 0.02),
    (("iptc_dmi_prohibited",), 0.03),
    (("noai", "noimageai", "noimageindex"), 0.03),
    (("c2pa_training_not_allowed",), 0.01),
    (("content_usage_no", "tdm_reservation"), 0.01),
    (("noml",), 0.01),
]


def _pick(rnd: random.Random, options: Sequence[Any], weights: Sequence[float]) -> Any:
    return rnd.choices(list(options), list(weights))[0]


def crawl_like(n: int, seed: int) -> list[PolicyFacts]:
    """``n`` records from simulated crawls, deterministic per seed, made into facts the way
    evaluation makes a stored record's (:func:`provenance.evaluation.policy_facts`).

    A crawl has one purpose profile and day; a host fixes robots, terms, source type and
    site jurisdiction (15 % not inferred); a page fixes its opt-outs; an image varies in face
    (45 % yes, 50 % no, 5 % unknown), licence (14 %), age (70 % unknown when a face is shown),
    subject jurisdiction (same as the site, unknown, or elsewhere), mode and decision. What a
    crawl never observes (explicit consent, whether the uploader is the subject) stays
    unknown, as in a real crawl's facts.
    """
    rnd = random.Random(seed)
    profiles = sorted(load_profiles())
    records: list[PolicyFacts] = []
    while len(records) < n:
        purpose = rnd.choice(profiles)
        day = rnd.choice(DAYS)
        for _host in range(rnd.randint(20, 60)):
            place, conf = rnd.choice(SITE_PLACES)
            site = (JurisdictionCandidate(place, conf),) if rnd.random() < 0.85 else ()
            robots_status, robots_allowed = _pick(rnd, ROBOTS, [0.8, 0.08, 0.02, 0.1])
            host = HostFacts(
                scraping=_pick(rnd, TRISTATE, [0.25, 0.25, 0.5]),
                biometric=_pick(rnd, TRISTATE, [0.1, 0.3, 0.6]),
                commercial=_pick(rnd, TRISTATE, [0.2, 0.2, 0.6]),
                permits=False,
                source_type=rnd.choice(SOURCE_TYPES),
            )
            robots = None if robots_status == "unknown" else robots_status
            for _page in range(rnd.randint(1, 8)):
                signals = _pick(rnd, [o for o, _ in OPTOUTS], [w for _, w in OPTOUTS])
                if robots_allowed is False and "robots_disallow" not in signals:
                    signals = (*signals, "robots_disallow")
                for _image in range(rnd.randint(1, 6)):
                    face = _pick(rnd, TRISTATE, [0.45, 0.5, 0.05])
                    roll = rnd.random()
                    if roll < 0.5:
                        subject = site
                    elif roll < 0.75:
                        subject = ()
                    else:
                        p, c = rnd.choice(SITE_PLACES)
                        subject = (JurisdictionCandidate(p, c),)
                    licence = "CC-BY-4.0" if rnd.random() < 0.14 else None
                    records.append(
                        policy_facts(
                            decision="collected" if rnd.random() < 0.9 else "skipped",
                            mode=_pick(rnd, ["compliant", "reproduce"], [0.5, 0.5]),
                            face_count=None if face is None else (rnd.randint(1, 4) if face else 0),
                            is_minor=_pick(rnd, TRISTATE, [0.05, 0.25, 0.7]) if face else None,
                            observed_on=day,
                            site=site,
                            subject=subject,
                            signals=(robots, licence, frozenset(signals)),
                            host=host,
                            purpose=purpose,
                        )
                    )
    rnd.shuffle(records)
    return records[:n]


def uniform(n: int, seed: int) -> list[PolicyFacts]:
    """``n`` records whose facts are drawn independently and uniformly: the adversarial case
    for the memo (almost no two records share what a pack reads). Drawn over every fact the
    packs read, those no crawl observes included, so not made from records."""
    rnd = random.Random(seed)
    profiles = list(load_profiles().values())
    places = [JurisdictionCandidate(p, c) for p, c in SITE_PLACES]
    records = []
    for _ in range(n):
        robots_status, robots_allowed = rnd.choice(ROBOTS)
        face = rnd.choice(TRISTATE)
        facts = PolicyFacts(
            robots_status=robots_status,
            robots_allowed=robots_allowed,
            tos_prohibits_scraping=rnd.choice(TRISTATE),
            tos_prohibits_biometric=rnd.choice(TRISTATE),
            tos_prohibits_commercial_reuse=rnd.choice(TRISTATE),
            source_type=rnd.choice(SOURCE_TYPES),
            site_jurisdictions=tuple(rnd.sample(places, rnd.randint(0, 2))),
            subject_jurisdictions=tuple(rnd.sample(places, rnd.randint(0, 2))),
            optout_signals=tuple(sorted(rnd.sample(sorted(OPTOUT_SIGNALS), rnd.randint(0, 3)))),
            contains_face=face,
            face_count=None if face is None else (rnd.randint(1, 4) if face else 0),
            consent_evidence=rnd.choice(["none", "license", "explicit"]),
            uploader_is_subject=rnd.choice(TRISTATE),
            subject_is_minor=rnd.choice(TRISTATE),
            observed_on=rnd.choice(DAYS),
        )
        records.append(rnd.choice(profiles).apply(facts))
    return records


def time_evaluate(records: Sequence[PolicyFacts], *, memo: bool = True) -> tuple[float, int]:
    """Seconds to evaluate every record with freshly loaded packs, and verdicts produced."""
    packs = load_packs()
    count = 0
    start = time.process_time()
    for facts in records:
        count += len(evaluate(facts, packs, memo=memo))
    return time.process_time() - start, count


def time_closures(records: Sequence[PolicyFacts], packs: Sequence[Pack]) -> float:
    """Seconds to evaluate every applicability and rule closure per record, nothing else."""
    conditions = [(p.applies.fn, [r.condition.fn for r in p.rules]) for p in packs]
    bindings: dict[str, Any] = {}
    start = time.process_time()
    for facts in records:
        for applies, rules in conditions:
            if applies(facts, bindings) is not False:
                for rule in rules:
                    rule(facts, bindings)
    return time.process_time() - start


def time_cel_python(records: Sequence[PolicyFacts], packs: Sequence[Pack]) -> float:
    """Seconds for cel-python's interpreter to evaluate every pack's expressions per record."""
    env = celpy.Environment()
    programs = [
        (
            env.program(env.compile(p.applies.source)),
            [env.program(env.compile(r.condition.source)) for r in p.rules],
        )
        for p in packs
    ]
    start = time.process_time()
    for facts in records:
        data = facts_to_mapping(facts)
        for name in ("site_jurisdictions", "subject_jurisdictions"):
            data[name] = [{**c, "country": c["code"].split("-")[0]} for c in data[name]]
        activation = {k: celpy.json_to_cel(v) for k, v in data.items()}
        for applies, rules in programs:
            _run(applies, activation)
            for rule in rules:
                _run(rule, activation)
    return time.process_time() - start


def _run(program: Any, activation: dict[str, Any]) -> Any:
    try:
        return program.evaluate(activation)
    except celpy.CELEvalError:
        return UNKNOWN  # cel-python raises on some null comparisons; speed is what is measured


def memo_stats(packs: Sequence[Pack]) -> dict[str, dict[str, int]]:
    """Distinct memo keys per pack after a run (how much the records share)."""
    return {
        p.id: {
            "applies_keys": len(p.cache.applies_memo),
            "verdict_keys": len(p.cache.memo_known) + len(p.cache.memo_unknown),
            "outcome_vectors": len(p.cache.outcome_memo),
        }
        for p in packs
    }


def measure(records: Sequence[PolicyFacts], args: argparse.Namespace) -> dict[str, Any]:
    """The figures for one dataset (see the module docstring)."""
    runs = [time_evaluate(records) for _ in range(3)]
    seconds = [r[0] for r in runs]
    packs = load_packs()
    for facts in records:
        evaluate(facts, packs)
    sample = records[: args.no_memo_sample]
    plain = [time_evaluate(sample, memo=False)[0] for _ in range(3)]
    closures = [time_closures(sample, load_packs()) for _ in range(3)]
    cel_sample = records[: args.cel_python_sample]
    cel_rate = len(cel_sample) / time_cel_python(cel_sample, load_packs())
    rate = len(records) / statistics.median(seconds)
    plain_rate = len(sample) / statistics.median(plain)
    return {
        "records": len(records),
        "distinct_records": len(set(records)),
        "verdicts_per_run": runs[0][1],
        "evaluate": {
            "records_per_s_median": round(rate),
            "records_per_s_best": round(len(records) / min(seconds)),
            "seconds_runs": [round(s, 3) for s in seconds],
            "note": "fresh packs each run: the memo starts empty, so every miss is included",
        },
        "evaluate_without_memo": {
            "records": len(sample),
            "records_per_s_median": round(plain_rate),
            "records_per_s_best": round(len(sample) / min(plain)),
            "note": "evaluate(memo=False): compiled closures and full verdicts, no memo",
        },
        "closures_only": {
            "records": len(sample),
            "records_per_s_median": round(len(sample) / statistics.median(closures)),
            "note": "every applies_when and rule closure per record, no verdicts built",
        },
        "cel_python_baseline": {
            "records": len(cel_sample),
            "records_per_s": round(cel_rate, 1),
            "note": "cel-python 0.5 interpreter, expressions compiled once, all packs per record",
        },
        "speedup_vs_cel_python": {
            "evaluate": round(rate / cel_rate),
            "evaluate_without_memo": round(plain_rate / cel_rate),
        },
        "memo_keys_per_pack": memo_stats(packs),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print a summary and write the JSON results file."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--no-memo-sample", type=int, default=10_000)
    parser.add_argument("--cel-python-sample", type=int, default=200)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    load_start = list(os.getloadavg())
    packs = load_packs()
    datasets = {
        "crawl_like": measure(crawl_like(args.records, args.seed), args),
        "uniform": measure(uniform(args.records, args.seed), args),
    }
    load_after = list(os.getloadavg())
    result = {
        "benchmark": "policies.evaluate over every built-in pack, one core",
        "command": " ".join(
            ["python -m bench.evaluate", *(argv if argv is not None else sys.argv[1:])]
        ),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _uname(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_start,
        "load_average_at_end": load_after,
        "cores_used": 1,
        "target_records_per_s": 20_000,
        "packs": {p.id: {"version": p.version, "rules": len(p.rules)} for p in packs},
        "rules_total": sum(len(p.rules) for p in packs),
        "datasets": datasets,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, figures in datasets.items():
        print(
            f"{name:>10}: evaluate {figures['evaluate']['records_per_s_median']:>6} rec/s "
            f"(best {figures['evaluate']['records_per_s_best']}), "
            f"without memo {figures['evaluate_without_memo']['records_per_s_median']:>6} rec/s, "
            f"cel-python {figures['cel_python_baseline']['records_per_s']:>5} rec/s "
            f"(x{figures['speedup_vs_cel_python']['evaluate']}); "
            f"{figures['distinct_records']} distinct of {figures['records']}"
        )
    print(f"written to {args.output}")
    return 0


def _uname() -> str:
    try:
        return subprocess.run(
            ["uname", "-a"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return " ".join(platform.uname())


if __name__ == "__main__":
    raise SystemExit(main())

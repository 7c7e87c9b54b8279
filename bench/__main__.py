"""``python -m bench`` (or ``scripts/run bench``): every benchmark, one after the other.

Each writes its figures with the machine they were measured on to ``bench/results/``.
``--quick`` runs small sizes (a smoke run; the recorded results come from a full run).
Benchmarks are not timed tests: none of them fails the test suite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

FULL = [
    ["bench.media"],
    ["bench.evaluate"],
    ["bench.lookup"],
    ["bench.crawl"],
    ["bench.report"],
    ["bench.audit"],
]
QUICK = [
    ["bench.media", "--quick"],
    ["bench.evaluate", "--records", "20000"],
    ["bench.lookup", "--sizes", "100000", "--queries", "50", "--no-faiss"],
    ["bench.crawl", "--images", "2000", "--small", "1000"],
    ["bench.report", "--records", "10000"],
    ["bench.audit", "--images", "2000", "--small", "1000"],
]


def main() -> int:
    """Run the benchmarks; return non-zero if one could not run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--only", nargs="*", help="run only these (media, evaluate, lookup...)")
    args = parser.parse_args()
    failed = []
    for module, *rest in QUICK if args.quick else FULL:
        name = module.split(".", 1)[1]
        if args.only and name not in args.only:
            continue
        print(f"== {module} {' '.join(rest)}", flush=True)
        if subprocess.run([sys.executable, "-m", module, *rest], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that did not run to the end: {', '.join(failed)}")
        return 1
    print("all benchmarks ran; results in bench/results/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

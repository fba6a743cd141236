"""Run every benchmark: `make bench` (or `python -m bench [name ...]`)."""

from __future__ import annotations

import sys

from bench import encryption, evaluate, importing, reports, search, startup, trends
from bench.common import machine

BENCHMARKS = {
    "startup": startup.run,
    "search": search.run,
    "import": importing.run,
    "evaluate": evaluate.run,
    "encryption": encryption.run,
    "trends": trends.run,
    "reports": reports.run,
}


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    print(f"Machine: {machine()}")
    for name in chosen:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

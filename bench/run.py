"""Benchmark entry point (``make bench``): the API load and scale benchmark.

    .venv/bin/python bench/run.py                      # API benchmark, print the report
    .venv/bin/python bench/run.py --write-docs         # and replace "## API" in docs/benchmarks.md
    .venv/bin/python bench/run.py --duration 2 --no-scale --no-pygeoapi   # a quick look

The raster benchmark is separate: ``.venv/bin/python bench/bench_raster.py``.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import bench_api


def main(argv: list[str] | None = None) -> int:
    """Run the API benchmark with the command-line options; print (and optionally write) the report."""
    parser = argparse.ArgumentParser(description="geo-industry API benchmark")
    parser.add_argument("--duration", type=float, default=6.0,
                        help="seconds of load per scenario and server, split into --rounds whole-second runs")
    parser.add_argument("--rounds", type=int, default=3, help="rounds alternating the servers per scenario")
    parser.add_argument("--connections", type=int, default=10, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers for every server")
    parser.add_argument("--no-pygeoapi", action="store_true", help="skip the pygeoapi comparison")
    parser.add_argument("--no-scale", action="store_true", help="skip the 100k/1M synthetic-point benchmark")
    parser.add_argument("--write-docs", action="store_true", help="replace the '## API' section of docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = bench_api.run(duration_s=args.duration, connections=args.connections, workers=args.workers,
                            rounds=args.rounds, with_pygeoapi=not args.no_pygeoapi, with_scale=not args.no_scale)
    command = ".venv/bin/python bench/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    section = bench_api.markdown(results, command.strip())
    print(section)
    if args.write_docs:
        print("written to", bench_api.write_docs(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())

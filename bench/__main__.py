"""Run every bench/bench_*.py and write bench/results.json (BENCH_QUICK=1: small sizes)."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
FIELDS = {"value", "unit", "baseline", "ratio", "goal", "higher_is_better"}


def main() -> int:
    """Run the benchmarks named on the command line, or all of them."""
    quick = os.environ.get("BENCH_QUICK") == "1"
    wanted = sys.argv[1:]
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    failed = []
    for name in modules:
        if wanted and name not in wanted:
            continue
        started = time.perf_counter()
        print(f"== {name}{' (quick)' if quick else ''}", flush=True)
        entries = importlib.import_module(f"bench.{name}").run(quick)
        for key, entry in entries.items():
            missing = FIELDS - set(entry)
            if missing:
                raise ValueError(f"{name}: entry {key} lacks {sorted(missing)}")
            ok = entry["ratio"] >= entry["goal"] if entry["higher_is_better"] \
                else entry["ratio"] <= entry["goal"]
            entry["meets_goal"] = ok
            entry["quick"] = quick
            if not ok:
                failed.append(key)
            print(f"   {key}: {entry['value']:.1f} {entry['unit']}, ratio {entry['ratio']:.3f} "
                  f"(goal {'≥' if entry['higher_is_better'] else '≤'} {entry['goal']})"
                  f"{'' if ok else '  BELOW GOAL'}", flush=True)
        results.update(entries)
        print(f"   ({time.perf_counter() - started:.1f} s)")
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS}")
    if failed:
        print(f"below goal: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

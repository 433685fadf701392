"""``python -m benchmarks``: the model's speed and scale against Mesa's references (issue 6)."""

from benchmarks.bench_model import main

raise SystemExit(main())

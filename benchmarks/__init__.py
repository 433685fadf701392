"""Speed and memory benchmarks: ``python -m benchmarks`` (one run, against Mesa's own reference
models, and its scaling; ``bench_model.py``) and ``bench_sweep.py`` (sweeps on 1 and N workers)."""

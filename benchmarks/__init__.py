"""symopt benchmarks: synthetic scenarios at scale, a direct-HiGHS reference, `make bench`.

- `benchmarks.generate`: seeded scenario generator (small, medium, large, huge).
- `benchmarks.direct_highs`: the same MILP built with numpy/scipy and passed to highspy.
- `benchmarks.run`: per-stage timings, peak memory, targets; writes `benchmarks/results.md`
  (measurements in `benchmarks.measure`, the report in `benchmarks.report`).
- `benchmarks.profile`: cProfile of symopt's stages on one size.
"""

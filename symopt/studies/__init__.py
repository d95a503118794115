"""Stage 6, studies on top of solving.

Sweeps: `sweep_format` (the sweep file's models), `sweep_spec` (reading a sweep file into a
plan), `variants` (the plan's scenario variants), `sweep_values` (canonical values for
keys), `tasks` (one variant as a worker solves it), `runners` (in-process, local pool or
Dask), `store` (the resumable Parquet store) and `sweep` (the entry points). Pareto fronts:
`pareto`.
"""

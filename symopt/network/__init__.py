"""Stage 2, the candidate network: a `Scenario` -> nodes, candidate links with distances,
per-slice amounts and quality, as numpy/pandas tables (`build_network`).

Depends on `symopt.scenario` only.
"""

"""Stage 4, the results: a solved model -> `Result` (pandas tables, summary and KPIs against
the baseline, `tables`) and its files (`files`, written atomically).

`Result` is what every solve returns, so the solver stage that produces it comes after this
one in the dependency order. Depends on `symopt.network` and `symopt.model`.
"""

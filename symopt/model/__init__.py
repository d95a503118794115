"""Stage 3, the optimisation model: a `CandidateNetwork` -> Pyomo model (`build`), with the
numbers as Params (`data`), the objective (`objective`), the cost vector for in-place
re-solves (`cost_vector`), and the reading of a solved model's values (`solution`).

Depends on `symopt.scenario` and `symopt.network`.
"""

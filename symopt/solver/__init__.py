"""Stage 5, solving: the HiGHS hand-over and status mapping (`highs`), solver profiles
(`profiles`), one solve from scenario to `Result` (`pipeline`), re-solves of variants in
place (`session`) and the explanation of infeasible scenarios (`diagnose`).

Depends on every stage before it (scenario, network, model, results).
"""

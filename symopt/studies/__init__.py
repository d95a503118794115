"""Stage 6, studies on top of solving: sweeps (`sweep_spec` reads a sweep file, `variants`
expands it, `sweep` runs it, `store` keeps the results resumably) and Pareto fronts
(`pareto`).
"""

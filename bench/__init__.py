"""Benchmarks behind docs/benchmarks.md, run from the repository root as modules
(``python -m bench.foundation --write``; ``make bench`` runs them all).

:mod:`bench.foundation` holds what the scripts share (publishing tables, quantiles, the machine
line) and :mod:`bench.servers` the processes that both the benchmarks and the tests start.
"""

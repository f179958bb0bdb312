"""Workforce management: Erlang staffing, deferred and chat workload, simulation of a day.

The modules here are pure (no database): `erlang.staff()` and `simulation.simulate()` take
arrays and dataclasses, so pages, jobs and the `sigap wfm` commands share them.
"""

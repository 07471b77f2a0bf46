"""The deterministic runtime: replay of event logs through segments and journeys.

Three floors, and the partition boundary between them:
- `core/`: the per-profile step (values, evaluator, state, segments, interpreter, sends).
  Pure over one profile's state and the instant; effects are returned as data.
- `services/`: the cross-profile parts (log reading and `_id` dedup, the identity graph,
  journey dedup keys, the output sink). These are what a partitioned engine coordinates.
- `replay.py`: the driver — the virtual clock, timers, entries and scheduled reads — wiring
  the services to the core.
See docs/runtime.md for decisions and docs/architecture.md for the picture.
"""

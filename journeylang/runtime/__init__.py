"""The deterministic runtime: replay of event logs through segments and journeys.

Modules, in the order a record flows through them: `eventlog` (read, validate, order),
`identity` (route to a profile, merge), `state` (per-profile state), `projection` (what a
stored event keeps), `segments` (membership and window boundaries, with
`segment_polarity` deciding which evaluations can be skipped), `interpreter` (the
journey step function), `evaluator` and `functions` (expressions), `sends` and `content`
(sends, templates, lookups), `dedup` (journey dedup keys), `outputs` (files and
summary), and `replay` (the driver: clock, timers, entries). See docs/runtime.md for
decisions.
"""

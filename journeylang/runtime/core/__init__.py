"""The per-profile core of the runtime: everything here reads and writes one profile's
state at one instant and nothing else. `values` and `functions` (the value model),
`evaluator` (conditions and patterns), `projection` / `attributes` (what state keeps),
`state` (`ProfileState`, `Instance`), `segments` with `segment_polarity` (membership and
window boundaries), `interpreter` (the journey step), `sends` and `content` (sends,
templates, lookups). No module here sees another profile: this is what a partition runs.
"""

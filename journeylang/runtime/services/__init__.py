"""The cross-profile services of the runtime, each behind a small interface: `eventlog`
(reading, validating and ordering the logs; duplicate `_id`s), `identity` (the identity
graph: routing records to profiles and merging them), `dedup` (journey dedup keys) and
`outputs` (the output files and the summary). A partitioned or distributed engine
replaces or coordinates these; the per-profile core never imports them.
"""

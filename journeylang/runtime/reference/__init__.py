"""The reference oracle: a deliberately simple, brute-force replay of streaming segments.

`evaluator.py` interprets segment bodies from the AST over whole histories; `runtime.py`
is the driver with every segment shortcut replaced by evaluating every streaming segment
at every record and every candidate instant. `journeylang replay --reference` and the
property tests (`tests/runtime/test_rt_oracle.py`) use it; the fast path must give the
same `segments.jsonl` and `actions.jsonl`, byte for byte.
"""

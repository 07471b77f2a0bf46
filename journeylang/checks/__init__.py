"""The check passes (errors), in the order they run. See journeylang/pipeline.py."""
CHECKS: tuple = ()

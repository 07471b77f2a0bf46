"""The lint pass (warnings). See journeylang/pipeline.py."""


def lint_program(analysis) -> None:
    return None

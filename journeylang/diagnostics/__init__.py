"""Floor 0: source spans, diagnostics as data (codes, severities, hints), and their one
renderer (text and JSON). Every later stage creates `Diagnostic`s; only the CLI (and, later,
the language server) renders them.
"""

"""Floor 1: the language's syntax. `literals` (timestamps, durations, clock times),
`ast` (immutable nodes, each with a span), `builder` (the Lark Transformer: the only code
that touches Lark trees) and `parser` (grammar loading, `parse_source`).
"""

"""The canonical formatter (`journeylang fmt`): `expr` prints expressions and patterns,
`layout` places comments and blank lines, `printer` prints whole files (`format_source`).
Reads the AST and the source text only.
"""

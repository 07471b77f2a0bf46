"""The journeylang language server (`journeylang lsp`), built on pygls and lsprotocol.

Consumes: LSP messages over stdio, the editor's unsaved texts and the files of each
document's folder program. Produces: diagnostics, hover, definition, references,
completion, formatting, document symbols, rename and code actions.
Guarantees: no second parser — every answer comes from `journeylang.pipeline.analyse`,
`journeylang.syntax.parser.parse_source` (per declaration in `recovery.py` for files with
syntax errors), `journeylang.format.printer.format_source` and the AST; journeylang data
becomes LSP objects only in `convert.py`. Modules: `recovery` (what parses), `index`
(symbols), `programs` (snapshots), `vocabulary` (event types, XDM paths), `hover`,
`navigate`, `completion`, `actions`, `convert`, `server` (the pygls wiring).
"""

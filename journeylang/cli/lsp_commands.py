"""The editor command: `journeylang lsp`, the language server over stdio.

Consumes: LSP messages on stdin (an editor starts the command). Produces: LSP messages on
stdout until the client sends `exit`. Guarantees: nothing else is written to stdout (it
is the protocol channel); pygls is imported only when the command runs, so the other
commands do not pay for it.
"""
from __future__ import annotations

from .common import EXIT_OK


def register(commands) -> None:
    lsp = commands.add_parser("lsp", help="run the language server (LSP over stdio, for editors)", epilog="""\
examples:
  journeylang lsp                    what an editor runs (docs/editors.md)
  journeylang lsp --debounce 100     check sooner after each edit""")
    lsp.set_defaults(run=cmd_lsp)
    lsp.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default and only mode)")
    lsp.add_argument("--debounce", type=float, default=250, metavar="MS",
                     help="milliseconds to wait after an edit before checking again (e.g. --debounce 100)")


def cmd_lsp(args) -> int:
    from ..lsp.server import serve
    serve(debounce=max(0.0, args.debounce) / 1000)
    return EXIT_OK

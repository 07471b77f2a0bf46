"""Profile attribute projection: keep only the attribute paths the program can read.

Consumes: the program (every expression, message templates, policies). Produces:
`AttributeProjection.project(update)` -> the part of a profile upsert to store.
Guarantees: every read of `profile` the program can make gives the same value from the
projected attributes as from the full ones. Reads are: chains rooted at `profile` in
expressions (segments, journeys, policies), what every send reads (the consent attribute
of each channel, which `consented(C)` reads too, `personalEmail.address`,
`mobilePhone.number`), and chains rooted at `profile` in message templates (Jinja
`profile.a.b` / `profile["a"]`).
`profile` used whole anywhere (`{{ profile | tojson }}`, `exists(profile)`,
`{% set p = profile %}`), or through an index that is not a literal, keeps the whole
subtree from that point; a template that cannot be parsed keeps everything. Lists are
projected element by element. A `null` in an upsert still deletes the kept field it
names. Profile attributes are never output, so the projection is invisible except in
memory: the generator's profile records keep about a tenth of their fields.
"""
from __future__ import annotations

from typing import Optional

from jinja2 import TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from ...program.builtins import CONSENT_PATHS
from .content import template_text
from .projection import FULL, Tree, compile_projection, merge_path, union, uses

_ENV = SandboxedEnvironment()
# never fold `*` / `**` of constants while analysing ('x' * 10**9 would be built right here)
_ENV.intercepted_binops = frozenset({"*", "**"})
ADDRESS_PATHS = (("personalEmail", "address"), ("mobilePhone", "number"))


def _template_chain(node) -> Optional[tuple[list[str], bool]]:
    """For `profile.a["b"]...` in a Jinja AST: (path, complete)."""
    if isinstance(node, nodes.Name):
        return ([], True) if node.name == "profile" else None
    if isinstance(node, nodes.Getattr):
        inner = _template_chain(node.node)
        if inner is None:
            return None
        path, complete = inner
        return (path + [node.attr] if complete else path), complete
    if isinstance(node, nodes.Getitem):
        inner = _template_chain(node.node)
        if inner is None:
            return None
        path, complete = inner
        if complete and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return path + [node.arg.value], True
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, int):
            return path, complete
        return path, False
    return None


def _template_paths(text: str) -> Optional[list[list[str]]]:
    """Paths read through `profile` in a template; None when it cannot be parsed."""
    try:
        tree = _ENV.parse(text)
    except TemplateError:
        return None
    paths: list[list[str]] = []

    def visit(node) -> None:
        chain = _template_chain(node)
        if chain is not None:
            paths.append(chain[0])
            for sub in node.find_all(nodes.Getitem):
                visit(sub.arg)
            return
        for child in node.iter_child_nodes():
            visit(child)
    visit(tree)
    return paths


class AttributeProjection:
    def __init__(self, program) -> None:
        tree: Optional[Tree] = {}
        # read by every send, whatever the program says: default addresses and consent
        for path in ADDRESS_PATHS + tuple(CONSENT_PATHS.values()):
            tree = merge_path(tree, list(path))
        for decl in program.declarations():
            for _, path in uses(decl, {"profile"}, into_patterns=True):
                tree = merge_path(tree, path)
        for message in program.messages.values():
            for field in message.fields:
                try:
                    paths = _template_paths(template_text(message, field))
                except OSError:
                    paths = None
                if paths is None:
                    tree = FULL
                    continue
                for path in paths:
                    tree = merge_path(tree, path)
        self.tree: Tree = union(tree, {})
        self.projector = compile_projection(self.tree)   # None: the whole update is kept

    def project(self, update: dict) -> dict:
        return update if self.projector is None else self.projector(update)

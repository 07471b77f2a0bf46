"""The program as it was at a git revision, for `journeylang diff --base REV [PATH]`.

Consumes: a revision and a program path inside a git work tree. Produces: a temporary
folder holding the files of PATH's folder (a file's folder, for a file) as they were at
REV, and the path of PATH inside it.
Guarantees: only git's object store is read (`git ls-tree`, `git cat-file --batch`): the
work tree, the index and HEAD are never touched, so a pull request's CI can run it in its
checkout. A PATH that did not exist at REV is an empty folder (every journey is then
added). Problems are `GitError`s with a one-line reason; `usage` ones (no repository, an
unknown revision) are the caller's usage errors.
"""
from __future__ import annotations

import os
import subprocess
import tempfile


class GitError(Exception):
    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def _git(cwd: str, *args: str, data: bytes = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", cwd, *args], input=data, capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}", usage=True) from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0]
                       if done.stderr.strip() else f"git {args[0]} failed", usage=True)
    return done.stdout


class ProgramAtRevision:
    """A context manager: `with ProgramAtRevision(rev, path) as old_path: ...`."""

    def __init__(self, rev: str, path: str) -> None:
        self.rev, self.path = rev, path
        self._tmp = None
        self.root = ""

    def __enter__(self) -> str:
        path = os.path.abspath(self.path)
        if not os.path.exists(path):
            raise GitError(f"{self.path}: no such file or folder", usage=True)
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        top = _git(folder, "rev-parse", "--show-toplevel").decode().strip()
        try:
            commit = _git(top, "rev-parse", "--verify", "--quiet", f"{self.rev}^{{commit}}").decode().strip()
        except GitError:
            raise GitError(f"--base: unknown revision {self.rev!r}", usage=True) from None
        relative = os.path.relpath(os.path.realpath(path), os.path.realpath(top))
        subtree = relative if os.path.isdir(path) else os.path.dirname(relative)
        subtree = "" if subtree in (".", "") else subtree
        self._tmp = tempfile.TemporaryDirectory(prefix="journeylang-base-")
        self.root = self._tmp.name
        self._extract(top, commit, subtree)
        inside = os.path.join(self.root, relative) if relative != "." else self.root
        if not os.path.exists(inside):
            if os.path.isdir(path):
                os.makedirs(inside, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(inside), exist_ok=True)
                inside = os.path.dirname(inside)
        return inside

    def _extract(self, top: str, commit: str, subtree: str) -> None:
        listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *([subtree] if subtree else []))
        blobs = []
        for entry in listing.split(b"\0"):
            if not entry:
                continue
            meta, name = entry.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind == b"blob" and mode != b"120000":     # files; not links, not submodules
                blobs.append((sha, os.fsdecode(name)))
        if not blobs:
            return
        output = _git(top, "cat-file", "--batch", data=b"".join(sha + b"\n" for sha, _ in blobs))
        position = 0
        for sha, name in blobs:
            header_end = output.index(b"\n", position)
            size = int(output[position:header_end].split()[2])
            content = output[header_end + 1:header_end + 1 + size]
            position = header_end + 1 + size + 1
            target = os.path.join(self.root, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(content)

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

"""Who built what, from the repository's own records: its git history, and docs/collaborators.toml.

The toml file says what each area of the code is and which paths it covers; the history
says who changed those paths (commit authors, and ``Co-authored-by:`` trailers). Where
the app does not run from a clone (no ``.git``, or no ``git`` program), the page says so
and shows the areas without names. Nothing here is typed in by hand: no names, no host.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digitsight.errors import DigitSightError
from pages.common import ROOT

# `git log` is quick on a clone this size (a few hundred commits), but a broken or huge
# repository must not hang the page.
GIT_TIMEOUT = 10.0
# Co-authored-by: Name <email>
_TRAILER = re.compile(r"^\s*(?P<name>[^<]+?)\s*<(?P<email>[^>]*)>\s*$")


@dataclass(frozen=True)
class Contributor:
    name: str
    commits: int
    first: str  # date of the first commit, YYYY-MM-DD
    last: str


def load_collaborators(path: Path) -> dict[str, Any]:
    """The parsed data file; a missing or broken file is a DigitSightError with a plain message."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DigitSightError(f"Cannot read the collaborators file {path.name}: {error}") from error


def is_clone(root: Path = ROOT) -> bool:
    return (root / ".git").exists() and shutil.which("git") is not None


def contributors(paths: tuple[str, ...] = (), root: Path = ROOT) -> list[Contributor] | None:
    """Everyone with a commit touching ``paths`` (all of the repository when empty), most commits first.

    None when this is not a git clone or git cannot answer.
    """
    if not is_clone(root):
        return None
    command = ["git", "-C", str(root), "log", "--no-merges", "--date=short", "--format=%x1e%aN%x1f%ad%x1f%b"]
    if paths:
        command += ["--", *paths]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for record in result.stdout.split("\x1e")[1:]:
        author, date, body = (record.split("\x1f") + ["", ""])[:3]
        names = {author.strip()} | co_authors(body)
        for name in filter(None, names):
            counts[name] += 1
            last.setdefault(name, date)  # git log runs newest first
            first[name] = date
    return [Contributor(name, count, first[name], last[name]) for name, count in counts.most_common()]


def co_authors(body: str) -> set[str]:
    """The names in a commit message's ``Co-authored-by:`` trailers."""
    names = set()
    for line in body.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "co-authored-by":
            match = _TRAILER.match(value)
            names.add(match.group("name") if match else value.strip())
    return names


def remote_url(root: Path = ROOT) -> str | None:
    """The clone's ``origin`` as a web address (https), when it has one that can be shown as such."""
    if not is_clone(root):
        return None
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return web_address(result.stdout.strip())


def web_address(remote: str) -> str | None:
    """``git@host:owner/repo.git`` or ``https://host/owner/repo.git`` -> ``https://host/owner/repo``.

    None for anything else (a local path, a URL with credentials in it).
    """
    remote = remote.strip()
    scp = re.fullmatch(r"[\w.-]+@(?P<host>[\w.-]+):(?P<path>[\w./-]+?)(\.git)?/?", remote)
    if scp:
        return f"https://{scp['host']}/{scp['path']}"
    web = re.fullmatch(r"(https?|ssh|git)://(?P<host>[\w.-]+)(:\d+)?/(?P<path>[\w./-]+?)(\.git)?/?", remote)
    if web:
        return f"https://{web['host']}/{web['path']}"
    return None


def project_links(data: dict[str, Any], root: Path = ROOT) -> tuple[str | None, str | None]:
    """(repository, issue tracker): the data file's, else the clone's origin (issues at <repository>/issues)."""
    project = data.get("project", {})
    repository = (project.get("repository") or "").strip() or remote_url(root)
    issues = (project.get("issues") or "").strip() or (f"{repository.rstrip('/')}/issues" if repository else None)
    return repository, issues

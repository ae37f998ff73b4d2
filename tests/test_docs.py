"""The documentation in docs/ stays true to the code.

- Every number quoted next to a ``$ sim run ...`` command in docs/*.md is re-computed: the
  command is run at the same settings and every line shown must appear in its output, in order
  (the simulation time and the results path, which vary, are left out of the docs).
- Every relative link points to an existing file, and every ``#anchor`` to a heading there.
- Every command-line option the docs mention is one that some ``sim`` command accepts.
- The complete example scenario of docs/scenarios.md validates.
- No page refers to files outside the project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")
SIMULATED = re.compile(r" \([0-9.]+ s simulated\)")


def _blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


def _quoted_runs() -> list[tuple[str, str, list[str]]]:
    """(page, command, lines shown) for every fenced block that starts with ``$ sim run``."""
    found = []
    for page in PAGES:
        for block in _blocks(page):
            lines = block.rstrip("\n").split("\n")
            if lines and lines[0].startswith("$ sim run "):
                found.append((page.name, lines[0][2:], lines[1:]))
    return found


QUOTED = _quoted_runs()


def test_the_docs_quote_some_commands():
    assert PAGES, "no docs/*.md"
    assert QUOTED, "expected at least one quoted `$ sim run` block"
    for _, command, _ in QUOTED:
        runs = re.search(r"--runs (\d+)", command)
        assert runs and int(runs.group(1)) <= 500, f"keep quoted commands small: {command}"


@pytest.mark.parametrize("page,command,shown", QUOTED, ids=[f"{p}: {c}" for p, c, _ in QUOTED])
def test_quoted_numbers_are_what_the_command_prints(page, command, shown, tmp_path, capsys, monkeypatch):
    from sim.cli import main

    monkeypatch.chdir(ROOT)
    argv = command.split()[1:] + ["--out", str(tmp_path), "--quiet"]
    assert main(argv) == 0
    printed = [SIMULATED.sub("", line).rstrip() for line in capsys.readouterr().out.splitlines()]
    at = 0
    for line in shown:
        line = line.rstrip()
        assert line in printed[at:], f"{page}: `{command}` no longer prints\n  {line}\nit prints:\n" + \
            "\n".join(printed)
        at = printed.index(line, at) + 1


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (lower case, punctuation dropped, spaces to -)."""
    out = set()
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_point_to_existing_files(page):
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: link to a missing file: {target}"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{page.name}: link to a missing heading: {target}"


# files and folders outside the project that the docs must never name
OUTSIDE = ("MODEL" + ".md", "CONTEXT" + ".md", "../" + "shared")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_page_refers_to_files_outside_the_project(page):
    text = page.read_text(encoding="utf-8")
    for name in OUTSIDE:
        assert name not in text, f"{page.name} mentions {name}"


def test_every_option_mentioned_is_accepted_by_some_command():
    from sim.cli import parser

    accepted = set()
    for action in parser()._subparsers._group_actions:
        for sub in action.choices.values():
            for a in sub._actions:
                accepted.update(o for o in a.option_strings if o.startswith("--"))
    for page in PAGES:
        mentioned = set(OPTION.findall(page.read_text(encoding="utf-8")))
        unknown = sorted(mentioned - accepted)
        assert not unknown, f"{page.name} mentions options no command accepts: {unknown}"


def test_the_complete_example_scenario_validates(tmp_path):
    from sim.scenario.load import load_scenario

    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1]
    block = FENCE.search(example).group(1)
    file = tmp_path / "example.yaml"
    file.write_text(block, encoding="utf-8")
    s = load_scenario(file)
    assert s.name == "example" and len(s.tracks) == 2 and len(s.events) == 3
    assert "channel_closed" in s.twins

"""The docs cannot drift from the CLI: every `qabot` command line shown in README.md and
docs/ parses (its command, options and arguments exist), and the README stays a door."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from qabot.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Placeholders the reference tables use, and a value of the kind each stands for.
PLACEHOLDERS = {
    "QUESTION": "Who?",
    "QUOTE": "a b c",
    "ID": "1",
    "N": "2",
    "DATE": "1937-01-09",
    "COMMAND": "ask",
}
# The mistakes docs/cli.md shows on purpose: each must fail to parse.
MISTAKES = {'qabot ask -k 0 "Who?"', "qabot indx", "qabot show abc"}
_INLINE = re.compile(r"`((?:\.venv/bin/)?qabot [^`]*)`")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```$", re.M | re.S)


def shown_commands() -> list[tuple[str, str]]:
    """(page, command line) for every qabot invocation shown, inline or in a block."""
    found: list[tuple[str, str]] = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(ROOT).as_posix()
        for block in _FENCE.findall(text):
            for line in block.splitlines():
                if not line.startswith(("$ ", ".venv/bin/", "python3 -m venv")):
                    continue  # output, not a command
                line = line.removeprefix("$ ")
                for part in line.split("&&"):
                    part = part.strip()
                    if re.match(r"^(\w+=\S+ )*(\.venv/bin/)?qabot( |$)", part):
                        found.append((name, part))
        for match in _INLINE.finditer(_FENCE.sub("", text)):
            found.append((name, match.group(1)))
    return found


def arguments(line: str) -> list[str]:
    words = shlex.split(line.replace("…", ""))
    while words and "=" in words[0] and not words[0].startswith("-"):
        words.pop(0)  # VARIABLE=value prefixes
    assert words and words[0].endswith("qabot"), line
    out = []
    for word in words[1:]:
        word = word.strip("[]")
        if word in {"|", ">"}:
            break
        out.append(PLACEHOLDERS.get(word, word))
    return [w for w in out if w]


def parse(args: list[str]) -> None:
    """Parse ``args`` as `qabot` would, without running anything (UsageError if not).

    A command named alone in prose ("`qabot eval` runs…") only has to exist."""
    try:
        context = click.Context(cli, info_name="qabot")
        rest = cli.parse_args(context, list(args))
        protected = list(getattr(context, "_protected_args", []))
        if not rest and not protected:
            return
        name, command, tail = cli.resolve_command(context, [*protected, *rest])
        assert command is not None and name is not None
        if len(args) == 1:
            return
        command.parse_args(click.Context(command, info_name=name, parent=context), tail)
    except click.exceptions.Exit:
        return  # --help, --version


COMMANDS = shown_commands()


def test_the_docs_show_many_commands():
    assert len(COMMANDS) >= 40
    assert {page for page, _ in COMMANDS} >= {"README.md", "docs/cli.md"}


@pytest.mark.parametrize(("page", "line"), COMMANDS, ids=[f"{p}: {c}" for p, c in COMMANDS])
def test_every_command_shown_parses(page: str, line: str):
    if line in MISTAKES:
        with pytest.raises(click.UsageError):
            parse(arguments(line))
        return
    try:
        parse(arguments(line))
    except click.UsageError as error:
        pytest.fail(f"{page}: `{line}` does not parse: {error.format_message()}")


def test_a_command_that_does_not_exist_is_caught():
    assert {line for _, line in COMMANDS} >= MISTAKES
    for line in ("qabot ask Who? --bogus", "qabot ask Who? -k", *MISTAKES):
        with pytest.raises(click.UsageError):
            parse(arguments(line))


def test_the_readme_is_a_door():
    """What qabot is, the two commands, one example, where to go next: at most 15 KB."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 15_000
    links = set(re.findall(r"\]\((docs/[\w-]+\.md)\)", readme))
    assert links == {p.relative_to(ROOT).as_posix() for p in PAGES[1:]}
    for page in PAGES:
        for target in re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]+)?\)", page.read_text()):
            assert (page.parent / target).resolve().exists(), (page, target)

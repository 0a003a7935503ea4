"""Re-run every command shown in README.md and docs/*.md and paste its real output.

A fenced block whose first line is ``$ …qabot …`` is an example: each ``$`` line is run
from the project root (``COLUMNS=88``; stderr first, as a terminal shows it) and the
lines after it are replaced by what it printed. A block holding a line ``…`` keeps only
as many lines of each output as it showed before (the rest is cut, and the ``…`` kept).
Other blocks are left alone. Usage::

    .venv/bin/python docs/refresh.py          # rewrite the files
    .venv/bin/python docs/refresh.py --check  # exit 1 if any output differs
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```\n(\$ [^\n]*qabot [^\n]*\n.*?)^```$", re.M | re.S)
CUT = "…"


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def run(command: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    result = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**environment, "COLUMNS": "88"},
        timeout=600,
    )
    return (result.stderr + result.stdout).rstrip("\n").splitlines()


def refreshed(block: str) -> str:
    lines = block.rstrip("\n").split("\n")
    commands: list[tuple[str, int | None]] = []
    for i, line in enumerate(lines):
        if line.startswith("$ "):
            shown = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("$ ")), None)
            body = lines[i + 1 : shown]
            keep = body.index(CUT) if CUT in body else None
            commands.append((line[2:], keep))
    out: list[str] = []
    for command, keep in commands:
        out.append(f"$ {command}")
        printed = run(command)
        if keep is not None and len(printed) > keep:
            printed = [*printed[:keep], CUT]
        out += printed
    return "\n".join(out) + "\n"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for page in pages():
        text = page.read_text(encoding="utf-8")
        new = FENCE.sub(lambda m: "```\n" + refreshed(m.group(1)) + "```", text)
        if new != text:
            stale.append(page.relative_to(ROOT))
            if not check:
                page.write_text(new, encoding="utf-8")
    for page in stale:
        print(f"{'differs' if check else 'refreshed'}: {page}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m sim.columns [PATH]``: write the outputs glossary (default docs/outputs.md) from
the declaration in ``sim.columns``."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.columns import GLOSSARY_PATH, glossary


def main(argv: list[str] | None = None) -> None:
    """Write the glossary to docs/outputs.md, or to the path given."""
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else GLOSSARY_PATH
    path.write_text(glossary())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

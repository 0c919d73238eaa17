"""Loading the regulation's YAML tables (checklists, card codes, cases, calendar)."""

from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"
# libyaml's safe loader when PyYAML has it (its wheels do): the same tables, parsed about 6× faster
# (all of them: 23 → 4 ms) — each leg of a run is a new process that parses the ones it needs.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load_yaml(relative_path: str) -> dict:
    """Parse one data file under regulation/data (cached: the tables never change at run time)."""
    with (DATA_DIR / relative_path).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SAFE_LOADER)

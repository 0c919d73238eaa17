"""Loading the regulation's YAML tables (checklists, card codes, cases, calendar)."""

from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"


@cache
def load_yaml(relative_path: str) -> dict:
    """Parse one data file under regulation/data (cached: the tables never change at run time)."""
    with (DATA_DIR / relative_path).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)

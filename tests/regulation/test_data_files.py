"""regulation.data_files: the tables read with libyaml's loader are exactly what PyYAML's
pure-Python safe loader reads (the C loader is a speed-up, never another reading of the annexes)."""

import yaml

from regulation.data_files import DATA_DIR, load_yaml


def test_every_table_reads_the_same_with_the_fast_loader_as_with_the_pure_python_one():
    tables = sorted(DATA_DIR.rglob("*.yaml"))
    assert len(tables) >= 8
    for path in tables:
        expected = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        assert load_yaml(str(path.relative_to(DATA_DIR))) == expected, path.name

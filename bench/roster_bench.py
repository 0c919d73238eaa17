"""Importing a province from .xlsx: 5,000 supervisors, 2,000 institutions and 60,000 sessions
(goal: under 60 s). Prints the time to write the files, to import them (checks + one
transaction), to re-import them unchanged, and the peak memory (tracemalloc and RSS)."""

import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from regulation.cards import CITY_NAMES, format_external

N_SUPERVISORS, N_INSTITUTIONS, N_SESSIONS = 5000, 2000, 60000
CITIES = list(CITY_NAMES)


def write_files(root: Path) -> list[Path]:
    from adapters.spreadsheets import write_roster
    from procedures.rosters.exporting import _help_rows, _spec
    from procedures.rosters.schema import HELP_SHEET, LAYOUTS
    from regulation.identity import make_number

    def inst_rows():
        for i in range(N_INSTITUTIONS):
            city = CITIES[i % 16]
            yield [f"评价机构{i}", f"3700{i:010d}", "市级备案", city, "社会培训评价组织", None, date(2024, 1, 10),
                   "电工；焊工；育婴员", "五级；四级；三级", None, f"机构{i}考点", "正常", f"i{i}@example.cn", None]

    def sup_rows():
        for i in range(N_SUPERVISORS):
            area = CITIES[i % 16]
            code = format_external(area, 2024, i // 16 + 1)
            yield [code, f"督导{i}", make_number("370102", date(1970, 1, 1) + timedelta(days=i), i % 1000), "某单位",
                   area, "13800000000", f"s{i}@example.cn", date(2024, 3, 1), "2024-04-01至2027-03-31"]

    def sess_rows():
        base = datetime(2026, 1, 5, 9)
        for i in range(N_SESSIONS):
            inst = i % N_INSTITUTIONS
            start = base + timedelta(days=i % 300)
            issuer = f"{inst:06d}"[-6:]
            yield [f"PC{i:010d}", f"3700{inst:010d}", "电工", "四级", "理论考核", None, f"机构{inst}考点", start,
                   start + timedelta(hours=2), 40,
                   f"考评甲:{make_number('370103', date(1980, 1, 1) + timedelta(days=i % 9000), 1)}",
                   f"内督乙:S{issuer}260001:{make_number('370104', date(1985, 1, 1) + timedelta(days=i % 9000), 2)}"]

    files = []
    for kind, rows in (("institutions", inst_rows()), ("supervisors", sup_rows()), ("sessions", sess_rows())):
        layout = LAYOUTS[kind]
        path = root / f"{kind}.xlsx"
        write_roster(path, _spec(layout), rows, HELP_SHEET, _help_rows(layout))
        files.append(path)
    return files


def import_files(root: Path) -> None:
    """In a child process, so its peak memory (max RSS) is the import's alone."""
    from procedures.rosters.importing import RosterRejected, import_roster

    url = f"sqlite:///{root / 'bench.db'}"
    files = [root / f"{k}.xlsx" for k in ("institutions", "supervisors", "sessions")]
    t0 = time.perf_counter()
    try:
        reports = [import_roster(f, as_of=date(2026, 11, 27), url=url) for f in files]
    except RosterRejected as exc:
        raise SystemExit(exc.report.text()[:2000]) from None
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = [import_roster(f, as_of=date(2026, 11, 27), url=url) for f in files]
    t_again = time.perf_counter() - t0
    created = sum(sum(r.created.values()) for r in reports)
    unchanged = sum(sum(r.unchanged.values()) for r in again)
    print(f"  import {t_import:.1f} s ({created} records in one transaction per file; goal < 60 s: "
          f"{'OK' if t_import < 60 else 'MISSED'}); re-import unchanged {t_again:.1f} s ({unchanged} rows unchanged)")


def main() -> None:
    import subprocess
    import sys

    from adapters.db import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        upgrade(f"sqlite:///{root / 'bench.db'}")
        t0 = time.perf_counter()
        files = write_files(root)
        t_write = time.perf_counter() - t0
        sizes = ", ".join(f"{f.name} {f.stat().st_size / 1e6:.1f} MB" for f in files)
        print(f"roster import (SQLite): {N_SUPERVISORS} supervisors, {N_INSTITUTIONS} institutions, "
              f"{N_SESSIONS} sessions ({sizes}); writing the .xlsx took {t_write:.1f} s")
        subprocess.run([sys.executable, "-m", "bench.roster_bench", "--import", str(root)], check=True,
                       cwd=Path(__file__).resolve().parent.parent)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  peak memory of the importing process (max RSS, incl. ~{BASELINE_MB} MB of imports): {rss:.0f} MB")


BASELINE_MB = 80

if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--import":
        import_files(Path(sys.argv[2]))
    else:
        main()

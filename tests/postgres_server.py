"""A throwaway PostgreSQL server for tests: deployments.postgres in a temporary folder."""

import shutil
import tempfile
from pathlib import Path

from deployments.postgres import LocalPostgres, find_bin_dir, free_port

__all__ = ["PostgresServer", "find_bin_dir", "free_port"]


class PostgresServer(LocalPostgres):
    def __init__(self):
        super().__init__(Path(tempfile.mkdtemp(prefix="pgtest-")), durable=False)

    def stop(self) -> None:
        super().stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

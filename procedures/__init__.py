"""The application logic of each procedure (ARCHITECTURE.md): one module per procedure, plus
what they share. Each operation is one transaction, idempotent by a database key; rules come
from regulation/, reads and writes go through models/ and adapters/ (I/O only)."""

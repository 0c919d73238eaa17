"""Prefect tasks around adapter calls: persisted results (a replay is a cache hit) plus the
database idempotency keys the adapters check. No rule logic here."""

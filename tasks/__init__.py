"""Prefect tasks around adapter calls: persisted results (a replay is a cache hit) plus the
database idempotency keys the adapters check. No rule logic here."""

from prefect.cache_policies import DEFAULT

# A task that judges the answer given at a pause key: the key names the answer (Prefect keeps one
# input per key), so the cache key leaves the answers out. A replay then hits the cache even after
# the staff code was removed from Prefect's stored copy of the answer (flows/asking.forget_codes).
ANSWER_KEYED = DEFAULT - "answers" - "staff_code"

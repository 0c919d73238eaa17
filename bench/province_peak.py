"""A province-year (issue 20, part 5), step 2: a compressed peak through the running pool stack.

1. N daily inspections (第十五条(一)) started in a burst through Prefect's API, as the sampling
   plan's starter does (procedures/sampling/starts.PrefectStarter: create_flow_run_from_deployment
   with an idempotency key), the agency left to jurisdiction (第十一条) and the supervisors drawn
   (第十条, 第十三条); until every run waits at its record form.
2. The deadline sweep (第十七条, 第二十六条(二)) run once on the pool with all N waiting.
3. The records (附件3, 第十七条) posted through the portal over HTTP at a steady rate, at the
   link of each dispatch notice; each decision resumed with the agency's staff code as soon as
   the run asks for it (第十五条(一)3); the letters go out (第十五条(一)4). Until all of them are
   done: all N, or the K chosen (`--records K`, spread evenly over the N), the others left
   waiting at their record form, as on a peak day most runs are.
Each submit's and each decision's moment is kept, to be set against the runs' state history.
"""

import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.responses import SetStateStatus

from adapters.prefect_client import sync_client
from bench.province_mail import MailIndex
from deployments.serve import DEADLINE_SWEEP
from procedures.sampling.starts import PrefectStarter
from tests.flows.world import answers, staff_code
from tests.portal_client import browser, post_fields

THREADS = 8
PAGE = 200  # the API's largest page


def parallel(pool: ThreadPoolExecutor, fn, items) -> list:
    """Map in threads, each in a copy of this context (Prefect keeps its API settings in one)."""
    return [f.result() for f in [pool.submit(contextvars.copy_context().run, fn, x) for x in items]]


def states(ids: list) -> dict:
    """run id → its flow run (current state), a page of 200 ids per call."""
    out = {}
    with sync_client() as client:
        for k in range(0, len(ids), PAGE):
            chunk = ids[k:k + PAGE]
            for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=chunk)),
                                           limit=len(chunk)):
                out[str(r.id)] = r
    return out


def waiting_at(run, prefix: str) -> str | None:
    """The pause key when the run waits at a form whose key starts with `prefix` and whose
    schema is stored (the keyset set), else None."""
    st = run.state
    if st and st.is_paused() and (st.state_details.pause_key or "").startswith(prefix) and \
            st.state_details.run_input_keyset:
        return st.state_details.pause_key
    return None


def wait_all(ids: list, ready, timeout: float, what: str) -> float:
    began = time.monotonic()
    while True:
        runs = states(ids)
        bad = [r for r in runs.values() if r.state and (r.state.is_failed() or r.state.is_crashed())]
        if bad:
            raise RuntimeError(f"{len(bad)} run(s) ended {bad[0].state.type.value}: {bad[0].state.message}")
        if sum(bool(ready(r)) for r in runs.values()) == len(ids):
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise RuntimeError(f"not all {len(ids)} runs {what} within {timeout:.0f} s")
        time.sleep(2)


@dataclass
class Peak:
    batches: list[tuple[str, str, str]]  # (batch, form kind, agency)
    as_of: str
    ids: dict[str, object] = field(default_factory=dict)  # batch → run id
    created_s: float = 0.0
    first_legs_s: float = 0.0
    sweep_id: object = None
    submitted: dict = field(default_factory=dict)  # run id → (UTC moment before the POST, POST seconds)
    decided: dict = field(default_factory=dict)  # run id → UTC moment before the resume
    refused: list = field(default_factory=list)
    steady_s: float = 0.0
    error: str = ""
    answered: list[str] = field(default_factory=list)  # the batches whose records are posted

    def choose(self, records: int | None) -> list[str]:
        """The batches whose records are posted: all, or `records` spread evenly over them."""
        batches = list(self.ids)
        k = len(batches) if records is None else max(0, min(records, len(batches)))
        self.answered = [batches[i * len(batches) // k] for i in range(k)] if k else []
        return self.answered

    def start_burst(self, timeout: float) -> None:
        starter = PrefectStarter()
        began = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            ids = parallel(pool, lambda b: starter(f"province-{b[0]}", {
                "batch_number": b[0], "as_of": self.as_of, "agency_id": ""}), self.batches)
        self.created_s = time.monotonic() - began
        self.ids = {b[0]: run_id for b, run_id in zip(self.batches, ids, strict=True)}
        self.first_legs_s = self.created_s + wait_all(list(self.ids.values()), lambda r: waiting_at(r, "record-"),
                                                      timeout, "waited at the record form")

    def sweep(self, as_of: str, timeout: float = 600) -> object:
        with sync_client() as client:
            dep = client.read_deployment_by_name(DEADLINE_SWEEP)
            run = client.create_flow_run_from_deployment(dep.id, parameters={"as_of": as_of})
        wait_all([run.id], lambda r: r.state and r.state.is_completed(), timeout, "completed (the sweep)")
        return run.id

    def steady(self, mail: MailIndex, rate: float, timeout: float, records: int | None = None) -> None:
        """Records at `rate` a second, for every run or `records` of them (`choose`); decisions
        as the runs ask (a thread of their own); until every run answered is done."""
        chosen = self.choose(records)
        codes = {agency: staff_code("省基准科长", agency) for agency in {b[2] for b in self.batches}}
        kind_of = {b: k for b, k, _ in self.batches}
        agency_of = {self.ids[b]: a for b, _, a in self.batches}
        done = threading.Event()
        decider = threading.Thread(target=contextvars.copy_context().run, daemon=True,
                                   args=(self._decider, codes, agency_of, done))
        began = time.monotonic()
        decider.start()
        try:
            with ThreadPoolExecutor(THREADS) as pool:
                posts = []
                for n, batch in enumerate(chosen):
                    time.sleep(max(0.0, began + n / rate - time.monotonic()))
                    if n and n % 100 == 0:
                        print(f"  … {n} records posted, {len(self.decided)} decisions taken, "
                              f"{time.monotonic() - began:.0f} s", flush=True)
                    posts.append(pool.submit(contextvars.copy_context().run, self._submit, mail, batch, kind_of[batch]))
                    for f in [f for f in posts if f.done()]:
                        f.result()  # a refused record stops the bench
                    posts = [f for f in posts if not f.done()]
                for f in posts:
                    f.result()
            wait_all([self.ids[b] for b in chosen], lambda r: r.state and r.state.is_completed(),
                     max(60.0, timeout - (time.monotonic() - began)), "completed")
        finally:
            done.set()
            decider.join(30)
        self.steady_s = time.monotonic() - began
        if self.error:
            raise RuntimeError(self.error)

    def _submit(self, mail: MailIndex, batch: str, kind: str) -> None:
        address, link, code = mail.notice(batch)
        fields = answers(kind, code, self.as_of, negatives=(1, 2, 3, 4, 5))
        moment, t0 = datetime.now(UTC), time.monotonic()
        page = post_fields(browser(), link, fields)
        if page.status_code != 200 or "已收到" not in page.text:
            raise RuntimeError(f"{batch}: the portal did not take the record ({page.status_code}): {page.text[-800:]}")
        self.submitted[self.ids[batch]] = (moment, time.monotonic() - t0)

    def _decider(self, codes: dict, agency_of: dict, done: threading.Event) -> None:
        """Resume every run waiting at a decision form not yet answered; a poll a second."""
        answered: set[tuple] = set()
        finished: set = set()

        def resume(item):
            run_id, key = item
            if key != "decision-1":
                self.refused.append(item)  # the first answer was refused: counted as a failure
            decision = {"decision": "提醒函", "opinion": "请于一个月内完善考场设施。", "staff_code": codes[agency_of[run_id]]}
            moment = datetime.now(UTC)
            with sync_client() as client:
                response = client.resume_flow_run(run_id, run_input=decision)
            if response.status != SetStateStatus.REJECT:
                answered.add(item)
                self.decided.setdefault(run_id, moment)

        with ThreadPoolExecutor(THREADS) as pool:
            while not done.is_set():
                try:
                    waiting = [i for i in list(self.submitted) if i not in finished]
                    runs = states(waiting) if waiting else {}
                    finished |= {i for i, r in runs.items() if r.state and r.state.is_completed()}
                    todo = [(run_id, key) for run_id, r in runs.items()
                            if (key := waiting_at(r, "decision-")) and (run_id, key) not in answered]
                    parallel(pool, resume, todo)
                except Exception as exc:  # noqa: BLE001 — reported by steady() once the loop ends
                    self.error = f"decisions: {type(exc).__name__}: {exc}"
                    return
                done.wait(1)

"""A human step answered through the portal: the run waits for a reference to what the portal
stored, never for the answer itself (ARCHITECTURE: a pause keeps one input schema; the portal
validated and stored the submission before it resumed the run)."""

from prefect.input import RunInput

from flows.asking import ask


class SubmissionRef(RunInput):
    """门户已保存的提交（由门户自动填写，请勿手工续办）。"""

    submission_id: int


def wait_for_submission(key: str) -> int:
    """The stored submission's id, once the portal resumes this run at pause `key`."""
    return ask(SubmissionRef, key).submission_id


class SubmissionOrClosed(RunInput):
    """门户已保存的提交，或期限届满未提交（由门户或期限巡检自动填写，请勿手工续办）。"""

    submission_id: int = 0
    window_closed: bool = False


def wait_for_submission_or_close(key: str) -> int | None:
    """The stored submission's id; None when the daily sweep closed the window (its deadline is in
    the database, never a suspend timeout)."""
    answer = ask(SubmissionOrClosed, key)
    return None if answer.window_closed or not answer.submission_id else answer.submission_id

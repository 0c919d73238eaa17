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

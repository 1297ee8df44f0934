"""Background jobs of the outbox. The database row is the truth; these only move rows on.

Each runs inside the job's acting context (see :class:`taxlight.jobs.runner.JobTask`), so
the ledger entries they write are attributed to the job channel and carry the task id."""

from __future__ import annotations

from taxlight.jobs.runner import job
from taxlight.notifications import services


@job("taxlight.notifications.tasks.dispatch", ignore_result=True)
def dispatch(message_id: str) -> None:
    """One attempt at one message, enqueued after the message's transaction commits."""
    services.dispatch(message_id)


@job("taxlight.notifications.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    """Sends whatever is due: new messages the queue never got, retries, the end of quiet
    hours, attempts abandoned by a crashed worker."""
    return services.dispatch_due()


@job("taxlight.notifications.tasks.poll_receipts", ignore_result=True)
def poll_receipts() -> int:
    """Asks the SMS provider about messages sent without a receipt yet."""
    return services.poll_receipts()

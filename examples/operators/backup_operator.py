"""backup-operator: a small kopf operator for the sample Backup kind (manifests/backup-crd.yaml).

For each Backup it checks the spec (a five-field cron schedule as CronJobs take it: numbers,
ranges, lists, steps, month and day names, or a macro such as @daily; and how many backups to
keep) and reports what it found in the Backup's status, through the status
subresource: `phase` (Scheduled or Invalid), a `message`, `lastSchedule` (the schedule in force:
the last valid one) and `observedGeneration` (the spec generation it acted on), as lesson 12's
controller does. Each report is also an Event on the Backup (`kubectl describe backup` shows
them). It runs no backups: `status.lastBackup` stays unset, because none has run.

Run it against `kubesim serve` (examples/operators/README.md has the commands):

    kopf run --standalone --all-namespaces examples/operators/backup_operator.py

It is idempotent, because a reconcile may run more than once for the same spec: kopf runs the
resume handler for every Backup it lists when it starts (after a restart, a crash or a
redeploy), retries a handler that raised, and runs a handler again when the operator died before
recording that it succeeded. The handler computes the status from the spec and generation alone
and compares it with the status there, so a second run finds it right and writes nothing (had it
written, the API server stores nothing for a patch that changes nothing: no revision, no watch
event); the Event is posted only when the status changes.
"""

from __future__ import annotations

import re
from typing import Any

import kopf

GROUP, VERSION, PLURAL = "example.kubesim.dev", "v1", "backups"

#: the cron fields in order: (name, lowest, highest); day of week 7 is Sunday, as 0 is
FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_TERM = re.compile(r"^(\*|\?|(\d+)(?:-(\d+))?)(?:/(\d+))?$")
#: names cron takes for months and days of the week (any case)
NAMES = {
    "month": "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(),
    "day of week": "SUN MON TUE WED THU FRI SAT".split(),
}


def schedule_problem(schedule: str) -> str | None:
    """Why `schedule` is not a cron schedule CronJobs would accept (None: it is one)."""
    if schedule.strip() in MACROS:
        return None
    parts = schedule.split()
    if len(parts) != len(FIELDS):
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
    for text, (name, low, high) in zip(parts, FIELDS, strict=True):
        for term in text.split(","):
            m = _TERM.match(_numbered(term, name))
            if m is None:
                return f'{name} "{term}" is not a number, a range, * or a step (*/N)'
            numbers = [int(n) for n in m.group(2, 3) if n is not None]
            if any(not low <= n <= high for n in numbers):
                return f'{name} "{term}" is out of range {low}-{high}'
            if len(numbers) == 2 and numbers[0] > numbers[1]:
                return f'{name} "{term}" is a range that ends before it starts'
            if m.group(4) is not None and int(m.group(4)) == 0:
                return f'{name} "{term}" has a step of 0'
    return None


def _numbered(term: str, field_name: str) -> str:
    """`term` with month or day names as their numbers (JAN is 1, SUN is 0)."""
    names = NAMES.get(field_name, [])
    first = 1 if field_name == "month" else 0
    return re.sub(
        r"[A-Za-z]{3}",
        lambda m: str(names.index(m[0].upper()) + first) if m[0].upper() in names else m[0],
        term,
    )


def desired_status(spec: dict[str, Any], generation: int) -> dict[str, Any]:
    """The status a Backup of this spec and generation should report."""
    schedule = str(spec.get("schedule", ""))
    problem = schedule_problem(schedule)
    if problem:  # the last valid schedule (if any) stays in force
        message = f'schedule "{schedule}": {problem}'
        return {"phase": "Invalid", "message": message, "observedGeneration": generation}
    message = f'schedule "{schedule}" is valid; keeps {spec.get("retain", 7)} backups'
    return {
        "phase": "Scheduled",
        "message": message,
        "lastSchedule": schedule,
        "observedGeneration": generation,
    }


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
def reconcile(body, spec, status, meta, patch, logger, **_):
    """Write the status the spec calls for (kopf sends `patch.status` to the /status
    subresource, since the CRD declares one); do nothing when it is already there."""
    wanted = desired_status(spec, meta.get("generation", 0))
    current = {k: status.get(k) for k in wanted}
    if current == wanted:
        logger.info("status already up to date (generation %s)", wanted["observedGeneration"])
        return
    patch.status.update(wanted)
    logger.info("%s: %s", wanted["phase"], wanted["message"])
    if wanted["phase"] == "Invalid":
        kopf.warn(body, reason="InvalidSchedule", message=wanted["message"])
    else:
        kopf.info(body, reason="Scheduled", message=wanted["message"])

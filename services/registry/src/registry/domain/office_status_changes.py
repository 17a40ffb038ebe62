"""Which status changes the office may make by hand, beside the transitions that flows make themselves.

The status table (``status.py``) says which moves are legal at all. Some legal moves belong to a flow and must
not be made by a bare status change, because the flow does more than change the status:

- applied -> registered is an approved application (it issues the number and opens the first cycle);
- expired -> registered is an approved re-entry application (a new first cycle);
- registered -> reregistration_pending is a re-registration application (it freezes a dossier);
- reregistration_pending -> registered is a granted re-registration (it opens the next cycle).

What is left for the office: expiring, suspending and striking off, and lifting a suspension back to the
status it interrupted.
"""

from __future__ import annotations

from typing import Final

from registry.domain.status import IllegalStatusTransition, RegistrationStatus, can_transition

_S = RegistrationStatus

OFFICE_MEASURES: Final = frozenset({_S.EXPIRED, _S.SUSPENDED, _S.STRUCK_OFF})
# A suspension is lifted back to what it interrupted; which one that was the office knows from the history.
LIFTED_FROM_SUSPENSION: Final = frozenset({_S.REGISTERED, _S.REREGISTRATION_PENDING})


def check_office_status_change(current: RegistrationStatus, to: RegistrationStatus) -> None:
    """Raise :class:`IllegalStatusTransition` unless the office may move ``current`` to ``to`` by hand."""
    if not can_transition(current, to):
        raise IllegalStatusTransition(current, to, f"A registration cannot go from {current} to {to}.")
    if to in OFFICE_MEASURES:
        return
    if current is _S.SUSPENDED and to in LIFTED_FROM_SUSPENSION:
        return
    raise IllegalStatusTransition(
        current,
        to,
        f"Going from {current} to {to} is part of an application or re-registration decision, "
        "not a status change the office makes by hand.",
    )

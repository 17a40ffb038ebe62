"""Message contracts shared by every service. Importing this package registers every contract."""

from lklr_shared.contracts import accreditation, audit, portfolio, registry, system
from lklr_shared.contracts.base import Message, all_contracts, contract_for
from lklr_shared.contracts.envelope import Envelope, utcnow, wrap

__all__ = [
    "Envelope",
    "Message",
    "accreditation",
    "all_contracts",
    "audit",
    "contract_for",
    "portfolio",
    "registry",
    "system",
    "utcnow",
    "wrap",
]

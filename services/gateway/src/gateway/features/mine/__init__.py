"""Mijn LKLR: the person's own pages, credentials and their publication, erasure, and the person's objections."""

from litestar.types import ControllerRouterHandler

from gateway.features.mine.credentials import CredentialPages, CredentialPublication, VerifyPage
from gateway.features.mine.erasure import ErasureDonePage, ErasurePages
from gateway.features.mine.objections import ObjectionPages
from gateway.features.mine.pages import MinePages

route_handlers: list[ControllerRouterHandler] = [
    MinePages,
    ObjectionPages,
    ErasurePages,
    ErasureDonePage,
    CredentialPages,
    CredentialPublication,
    VerifyPage,
]

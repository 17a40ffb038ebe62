"""The site itself: the start page, FAQ, messaging overview and the information pages.

The development mailbox and webhook receiver (`dev_mail`, `dev_webhooks`) are added by the composition root only
when the development pages are switched on.
"""

from litestar.types import ControllerRouterHandler

from gateway.features.site.home import Pages
from gateway.features.site.info_pages import InfoPages

route_handlers: list[ControllerRouterHandler] = [Pages, InfoPages]

"""The public course catalogue: the /opleidingen page and its JSON API."""

from litestar.types import ControllerRouterHandler

from gateway.features.catalogue.routes import CatalogueApi, CataloguePage

route_handlers: list[ControllerRouterHandler] = [CatalogueApi, CataloguePage]

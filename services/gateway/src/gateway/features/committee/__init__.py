"""The accreditation committee's pages (/commissie) and the professional's teaching claims it judges."""

from litestar.types import ControllerRouterHandler

from gateway.features.committee.pages import CommitteePages, TeachingClaimPages

route_handlers: list[ControllerRouterHandler] = [CommitteePages, TeachingClaimPages]

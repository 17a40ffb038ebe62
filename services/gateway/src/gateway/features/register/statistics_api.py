"""The JSON API under /api/v1 (documented by the generated OpenAPI)."""

from __future__ import annotations

from litestar import Controller, get
from pydantic import BaseModel, Field

from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import coverage, get_statistics


class StatisticsOut(BaseModel):
    """The register's public statistics."""

    registered: int = Field(description="Registered professionals.")
    working_total: int | None = Field(description="All working professionals (the office's figure); null if unknown.")
    percentage: float | None = Field(description="registered / working_total in percent; null if unknown.")
    per_role: dict[str, int] = Field(description="Registered professionals per role.")


class ApiV1(Controller):
    path = "/api/v1"
    tags = ["register"]

    @get("/statistics", summary="Public statistics of the register")
    async def statistics(self, gateway: GatewayDep) -> StatisticsOut:
        """Registered professionals against all working professionals, from the registry.

        503 when the registry cannot be reached, 504 when it does not answer in time (Problem Details JSON).
        """
        reply = await get_statistics(gateway.caller)
        return StatisticsOut(
            registered=reply.registered,
            working_total=reply.working_total,
            percentage=coverage(reply),
            per_role=dict(reply.per_role),
        )

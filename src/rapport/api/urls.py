"""The REST API at /api/v1/ (django-ninja): routers per record type, one error format."""

from ninja import NinjaAPI

from rapport.analytics.api import goal_router
from rapport.analytics.api import router as analytics_router
from rapport.analytics.rates_api import router as exchange_rate_router
from rapport.dashboard.api import baseline_router as dashboard_baseline_router
from rapport.dashboard.api import layout_router as dashboard_layout_router
from rapport.intake.api import router as intake_router
from rapport.search.api import router as search_router

from . import errors
from .auth import BearerToken, SessionMember
from .events import router as event_router
from .records import account_router, activity_router, contact_router, deal_router, lead_router
from .setup import custom_field_router, member_router, pipeline_router, stage_router, tag_router

api = NinjaAPI(
    title="Rapport API",
    version="1",
    description="The REST API of Rapport. Authenticate with `Authorization: Bearer <token>` (see `rapport token`).",
    auth=[BearerToken(), SessionMember()],
    urls_namespace="api",
)
errors.install(api)

api.add_router("/accounts", account_router)
api.add_router("/contacts", contact_router)
api.add_router("/leads", lead_router)
api.add_router("/deals", deal_router)
api.add_router("/activities", activity_router)
api.add_router("/pipelines", pipeline_router)
api.add_router("/stages", stage_router)
api.add_router("/custom-fields", custom_field_router)
api.add_router("/tags", tag_router)
api.add_router("/members", member_router)
api.add_router("/events", event_router)
api.add_router("/search", search_router)
api.add_router("/dashboard", analytics_router)
api.add_router("/dashboard/layout", dashboard_layout_router)
api.add_router("/dashboard/baselines", dashboard_baseline_router)
api.add_router("/intake", intake_router)
api.add_router("/goals", goal_router)
api.add_router("/exchange-rates", exchange_rate_router)

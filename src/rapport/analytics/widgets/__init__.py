"""The dashboard's widgets (SPEC D3-D17); importing this package registers every one of them.

See base.py for the contract they answer and the registry.
"""

from . import calls, conversations, forecast, goals, leads, pipeline, tasks, uploads, usage  # noqa: F401 (registers)
from .base import REGISTRY, Params, catalogue, compute, refresh_map

# The order of the catalogue: the SPEC's order, D3 to D17.
ORDER = (
    "pipeline_dynamics", "tasks", "lead_sources", "leads_per_user", "goals", "activity", "latest_uploads",
    "forecast", "calls", "notes", "won_deals", "system_usage", "nps", "messages", "response_time",
)
assert set(ORDER) == set(REGISTRY), sorted(set(ORDER) ^ set(REGISTRY))
for _key in ORDER:
    REGISTRY[_key] = REGISTRY.pop(_key)

__all__ = ["ORDER", "REGISTRY", "Params", "catalogue", "compute", "refresh_map"]

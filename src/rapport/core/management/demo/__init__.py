"""The demo workspace: six months of believable sales history, written through the services."""

from .builder import DEMO_PASSWORD, DemoSummary, build_demo

__all__ = ["DEMO_PASSWORD", "DemoSummary", "build_demo"]

"""Fixtures of the workspace tests: the record fixtures, reused."""

from ..records.conftest import fast_passwords, foreign, other_pipeline, pipeline, stages  # noqa: F401

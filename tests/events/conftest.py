"""Fixtures of the event log tests: the record fixtures, reused."""

from ..records.conftest import fast_passwords, foreign, other_pipeline, pipeline, stages  # noqa: F401

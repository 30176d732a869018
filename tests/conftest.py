"""Shared pytest configuration: hypothesis profiles.

The default profile has no per-example deadline, so a busy CI machine cannot
turn a slow example into a failure; ``HYPOTHESIS_PROFILE=thorough`` runs more
examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

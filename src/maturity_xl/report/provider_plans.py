"""The commissioner's view in the report (issue 13): for frameworks of graded statements (Progress for Providers),
each provider's chosen and next statement in every topic, with its action. feedback.plans computes and draws it;
here the report decides whether it appears: only when the collection holds returns of a graded framework, so a
collection without one gets no empty sheet, section or CSV."""

from __future__ import annotations

import pandas as pd

from ..collect import Collection
from ..feedback.plans import graded, provider_plans
from ..frames import Frames

SHEET = "Provider plans"
CSV_NAME = "provider_plans"


def collection_plans(collection: Collection, frames: Frames | None = None) -> pd.DataFrame | None:
    """feedback.provider_plans of the collection's accepted returns, by its own frameworks; None when none of
    them is of a graded framework."""
    versions = {(r.framework_id, r.framework_version) for r in collection.heads}
    if not any(graded(collection.registry.get(*v)) for v in versions):
        return None  # without looking at a rating (the three reports each ask)
    plans = provider_plans(frames if frames is not None else collection.frames(),
                           frameworks=collection.registry.get)
    return plans if len(plans) else None

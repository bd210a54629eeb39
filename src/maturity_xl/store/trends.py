"""Each area's mean in every round of the programme store: the trend the reports draw.

A round's point for an area is the mean of the services' own area means (each service counts once, however many
statements it rated), over the returns that count in that round: the same figure as the report's "area means" of
that round, so the trend's last point and the Charts sheet agree. Each response's count and sum of ratings per
area are kept in the store beside its ratings (the area_sums table): for five rounds of 10,000 services SQLite
averages 250,000 of those (0.5 s), where it grouped 2.5 million ratings by response and area (5 s).
"""

from __future__ import annotations

from math import fsum

import pandas as pd

from .store import Store

# Power BI's relationship detection joins on names: framework_id, area_id and round are named as in every frame.
TREND_COLUMNS = ["framework_id", "area_id", "area", "round", "round_order", "services", "ratings", "mean"]

# Each round, framework and area, by how many statements a service rated there: the services and the sum of their
# area totals, integers summed exactly by SQLite (a few hundred rows for pandas, not 250,000). The mean of the
# services' own means is then the sum over those groups of total / rated, divided by the services.
_SQL = ("SELECT c.round_id, c.framework_id, a.area_id, a.rated, COUNT(*), SUM(a.total) "
        "FROM counted c JOIN area_sums a ON a.response_id = c.response_id WHERE a.rated > 0 "
        "GROUP BY c.round_id, c.framework_id, a.area_id, a.rated")
_VERSIONS = ("SELECT c.round_id, r.framework_id, r.framework_version FROM counted c JOIN responses r ON "
             "r.id = c.response_id GROUP BY c.round_id, r.framework_id, r.framework_version ORDER BY MIN(r.id)")


def area_trends(store: Store, registry=None) -> pd.DataFrame:
    """One row per framework, area and round with a rating: `services` that rated the area, their `ratings`, and
    `mean`, the mean of those services' own area means. `round_order` is 1 for the first round opened, so a
    chart (or Power BI) can sort rounds whatever they are called. Areas come in the framework's order (the
    newest version's, then any area only an older version had), rounds in the order they were opened."""
    if registry is None:
        from ..parse import default_registry

        registry = default_registry()
    rounds = store.rounds()
    order = {r.id: i + 1 for i, r in enumerate(rounds)}
    names = {r.id: r.name for r in rounds}
    rows = store.query(_SQL)
    if not rows:
        return pd.DataFrame(columns=TREND_COLUMNS)
    raw = pd.DataFrame(rows, columns=["round_id", "framework_id", "area_id", "n", "services", "total"])
    raw["ratings"], raw["means"] = raw["n"] * raw["services"], raw["total"] / raw["n"]  # a group's sum of means
    grouped = raw.groupby(["round_id", "framework_id", "area_id"], sort=False)
    out = grouped[["services", "ratings"]].sum().reset_index()
    out["mean"] = [fsum(means) for means in grouped["means"].agg(list)] / out["services"]
    versions = pd.DataFrame(store.query(_VERSIONS), columns=["round_id", "framework_id", "framework_version"])
    titles, position = _areas(versions, order, registry)
    out["area"] = [titles.get((f, a), a) for f, a in zip(out["framework_id"], out["area_id"])]
    out["round"] = out["round_id"].map(names)
    out["round_order"] = out["round_id"].map(order).astype(int)
    out["services"] = out["services"].astype(int)
    out["ratings"] = out["ratings"].astype(int)
    out["mean"] = out["mean"].astype(float)
    out["_area"] = [position.get((f, a), 10**6) for f, a in zip(out["framework_id"], out["area_id"])]
    out = out.sort_values(["framework_id", "_area", "area_id", "round_order"], kind="stable")
    return out[TREND_COLUMNS].reset_index(drop=True)


def _areas(versions: pd.DataFrame, order: dict[int, int], registry) -> tuple[dict, dict]:
    """(framework id, area id) -> title and -> position, from each framework's versions (round_id, framework_id,
    framework_version, each once), newest round first."""
    titles: dict[tuple[str, str], str] = {}
    position: dict[tuple[str, str], int] = {}
    versions = versions.assign(o=versions["round_id"].map(order)).sort_values("o", ascending=False, kind="stable")
    for fid, version in versions[["framework_id", "framework_version"]].drop_duplicates().itertuples(index=False):
        fw = registry.get(fid, version)
        for area in fw.areas if fw else ():
            titles.setdefault((fid, area.id), area.title)
            position.setdefault((fid, area.id), len(position))
    return titles, position


__all__ = ["TREND_COLUMNS", "area_trends"]

"""How the store writes values JSON cannot hold: dates in a respondent's details and in action plans."""

from __future__ import annotations

import json
from datetime import date, datetime

import orjson


def encode(value: object) -> str:
    """Cell values as JSON, dates tagged so they come back as dates."""
    return json.dumps(value, ensure_ascii=False, default=_tag, separators=(",", ":"))




def encode_plan(actions) -> str:
    """An action plan as JSON: [[statement id, area id, {column id: value}], ...]. A date is written as text
    after a NUL ("\\u0000" + ISO date; U+0001 for a date and time): XML cannot hold a NUL, so no value read
    from a workbook starts with one, and only dates call back into Python while encoding.

    orjson writes it three times as fast as the json module (a third of adding a return to the store was this);
    what it refuses (an integer beyond 64 bits) the json module writes."""
    plan = [[a.statement_id, a.area_id, a.values] for a in actions]
    try:
        return orjson.dumps(plan, default=_dated, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
    except TypeError:
        return json.dumps(plan, ensure_ascii=False, default=_dated, separators=(",", ":"))


def decode_plans(texts: list[str]) -> list[list]:
    """Many plans parsed at once (their items then go through decode_action)."""
    return orjson.loads("[" + ",".join(texts) + "]")


def _dated(value: object) -> str:
    if type(value) is date:  # the usual case first: half a million a collection of 10,000
        return "\x00" + value.isoformat()
    if isinstance(value, datetime):
        return "\x01" + value.isoformat()
    if isinstance(value, date):
        return "\x00" + value.isoformat()
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored")


def decode_action(item: list) -> tuple[str, str, dict]:
    statement_id, area_id, values = item
    for key, value in values.items():
        if type(value) is str and value and value[0] <= "\x01":
            values[key] = (datetime if value[0] == "\x01" else date).fromisoformat(value[1:])
    return statement_id, area_id, values


def decode_plan_items(plan: list, dates: dict[str, date], texts: dict[str, str]) -> list[tuple[str, str, dict]]:
    """decode_action() over a plan's items, each date decoded once per `dates` (a round's plans share a few
    hundred) and each id and text one object per `texts` (a parse makes a new string each time; a round's plans
    repeat their ids, and often their leads and words): both caches are the caller's, kept across plans."""
    out = []
    share = texts.setdefault
    for statement_id, area_id, values in plan:
        for key, value in values.items():
            if type(value) is str and value:
                if value[0] <= "\x01":
                    found = dates.get(value)
                    if found is None:
                        found = dates[value] = (datetime if value[0] == "\x01" else date).fromisoformat(value[1:])
                    values[key] = found
                else:
                    values[key] = share(value, value)
        out.append((share(statement_id, statement_id), share(area_id, area_id), values))
    return out


def decode(text: str) -> dict:
    return json.loads(text, object_hook=_untag)


def _tag(value: object) -> dict:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored")


def _untag(item: dict) -> object:
    if len(item) == 1:
        if "$date" in item:
            return date.fromisoformat(item["$date"])
        if "$datetime" in item:
            return datetime.fromisoformat(item["$datetime"])
    return item

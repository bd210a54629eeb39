"""A spec's raw YAML tree into the model: every problem at once, each with its path
(`areas[2].statements[4].id`), so a programme team fixing its own spec sees all of them in one go."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import SpecError, SpecProblem
from ..model import (
    ACTION_ROLES,
    MAX_LEVEL,
    ROLES_BY_NAME,
    ActionColumn,
    Area,
    Framework,
    Group,
    Level,
    Scale,
    Statement,
    Terms,
)
from .checker import (
    COLUMN_KINDS,
    HELP_LIMIT,
    ID_LIMIT,
    ID_RE,
    ITEM_ID_RE,
    RATING_MODES,
    TARGET_MODES,
    Checker,
    one_line,
    paragraphs,
    show,
)

TOP_KEYS = {"id", "title", "version", "source", "credit", "introduction", "instructions", "notes", "notice",
            "maintainer_notes", "terms", "scale", "rating", "action_plan", "areas"}


def parse_spec(data: Any, file: str = "<spec>") -> Framework:
    """Validate a spec's YAML tree and build the Framework; raise SpecError listing every problem."""
    c = Checker()
    if not isinstance(data, dict):
        raise SpecError(file, [SpecProblem("not-a-mapping", "", "the file must be a YAML mapping of fields "
                                                                    "(id, title, version, scale, areas, ...)")])
    c.unknown_keys(data, TOP_KEYS, "")
    fid = c.field(data, "id", "", str, default="")
    if fid and not ID_RE.match(fid):
        c.add("bad-id", "id", f"'{fid}' must use lower-case letters, digits and hyphens only")
    title = c.field(data, "title", "", str, default="")
    version = c.field(data, "version", "", str, default="")
    source = c.field(data, "source", "", str, default="")
    credit = c.field(data, "credit", "", str, required=False, default="")
    introduction = c.field(data, "introduction", "", str, default="")
    instructions = _string_list(c, data, "instructions", "", required=True)
    notes = _string_list(c, data, "notes", "", required=False)
    notice = c.field(data, "notice", "", str, required=False, default="")
    maintainer_notes = _string_list(c, data, "maintainer_notes", "", required=False)
    terms = _terms(c, data)
    scale = _scale(c, data)
    rating = c.field(data, "rating", "", dict, required=False, default={})
    c.unknown_keys(rating, {"mode", "rationale_label", "rationale_help", "evidence_label", "evidence_help",
                            "target_per_statement"}, "rating")
    mode = c.field(rating, "mode", "rating", str, required=False, default="level")
    if mode not in RATING_MODES:
        c.add("bad-choice", "rating.mode", f"'{mode}' is not a rating mode (use one of: {', '.join(RATING_MODES)})")
        mode = "level"
    targets = _target_per_statement(c, rating, mode)
    labels = {}
    for key, default in (("rationale_label", "Rationale"), ("rationale_help", ""), ("evidence_label", "Evidence"),
                         ("evidence_help", "")):
        labels[key] = one_line(c.field(rating, key, "rating", str, required=False, default=default))
        if key.endswith("help") and len(labels[key]) > HELP_LIMIT:
            c.add("too-long", f"rating.{key}", f"is {len(labels[key])} characters; Excel shows at most {HELP_LIMIT}")
    target_mode, columns = _action_plan(c, data)
    if target_mode == "next-descriptor" and mode != "descriptor":
        c.add("bad-choice", "action_plan.target", "'next-descriptor' needs rating.mode: descriptor")
    areas = _areas(c, data, scale, mode)
    if c.problems:
        raise SpecError(file, c.problems)
    assert scale is not None
    return Framework(
        id=fid, title=one_line(title), version=version, source=one_line(source), credit=one_line(credit),
        introduction=paragraphs(introduction), instructions=tuple(one_line(s) for s in instructions),
        scale=scale, areas=tuple(areas), action_columns=tuple(columns), rating_mode=mode,
        target_mode=target_mode, target_per_statement=targets, rationale_label=labels["rationale_label"],
        rationale_help=labels["rationale_help"], evidence_label=labels["evidence_label"],
        evidence_help=labels["evidence_help"], notes=tuple(one_line(n) for n in notes), terms=terms, path=file,
        notice=one_line(notice), maintainer_notes=tuple(one_line(n) for n in maintainer_notes),
    )


def _target_per_statement(c: Checker, rating: dict, mode: str) -> bool:
    """`rating.target_per_statement`: true asks each statement for a target level beside its rating. A
    descriptor framework's target is the next statement's text, so it cannot opt in."""
    chosen = c.field(rating, "target_per_statement", "rating", bool, required=False, default=False)
    if chosen and mode != "level":
        c.add("target-needs-levels", "rating.target_per_statement",
              f"a target per statement needs rating.mode: level (this framework's mode is {mode})")
        return False
    return chosen


def _string_list(c: Checker, node: dict, key: str, path: str, *, required: bool) -> list[str]:
    items = c.field(node, key, path, list, required=required, default=[])
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            c.add("wrong-type", f"{key}[{i}]", f"expected a line of text, found {show(item)}")
        else:
            out.append(item)
    return out


def _terms(c: Checker, data: dict) -> Terms:
    node = c.field(data, "terms", "", dict, required=False, default={})
    c.unknown_keys(node, {"area", "group", "statement"}, "terms")
    return Terms(**{k: c.field(node, k, "terms", str, required=False, default=getattr(Terms(), k))
                    for k in ("area", "group", "statement")})


def _scale(c: Checker, data: dict) -> Scale | None:
    node = c.field(data, "scale", "", dict, default=None)
    if node is None:
        return None
    c.unknown_keys(node, {"name", "levels", "target"}, "scale")
    name = c.field(node, "name", "scale", str, required=False, default="Rating")
    raw_levels = c.field(node, "levels", "scale", list, default=[])
    levels: list[Level] = []
    for i, raw in enumerate(raw_levels):
        path = f"scale.levels[{i}]"
        if not isinstance(raw, dict):
            c.add("wrong-type", path, f"expected a mapping with value, label and description, found {show(raw)}")
            continue
        c.unknown_keys(raw, {"value", "label", "description"}, path)
        value = c.field(raw, "value", path, int, default=None)
        if isinstance(value, bool):
            c.add("wrong-type", f"{path}.value", "expected a whole number, found true/false")
            value = None
        elif value is not None and abs(value) > MAX_LEVEL:
            c.add("scale-range", f"{path}.value", f"a level's value must be a whole number from -{MAX_LEVEL} to "
                                                  f"{MAX_LEVEL} (found {value})")
            value = None
        label = c.field(raw, "label", path, str, default="")
        description = c.field(raw, "description", path, str, default="")
        if value is not None and label:
            if "," in label:
                c.add("bad-label", f"{path}.label", "a level's label must not contain a comma")
            levels.append(Level(value, one_line(label), one_line(description)))
    if raw_levels and len(levels) < 2:
        c.add("too-few-levels", "scale.levels", "a scale needs at least two levels")
    if not raw_levels:
        c.add("too-few-levels", "scale.levels", "a scale needs at least two levels")
    values = [lv.value for lv in levels]
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            c.add("scale-order", f"scale.levels[{i}].value",
                  f"levels must be in ascending order with unique values ({values[i]} follows {values[i - 1]})")
    seen: dict[str, int] = {}
    for i, lv in enumerate(levels):
        key = lv.label.casefold()
        if key in seen:
            c.add("duplicate-label", f"scale.levels[{i}].label",
                  f"the label '{lv.label}' is already used by scale.levels[{seen[key]}]")
        seen.setdefault(key, i)
    target = c.field(node, "target", "scale", int, required=False, default=None)
    if target is None and values:
        target = values[-1]
    if target is not None and values and target not in values:
        c.add("not-on-scale", "scale.target", f"{target} is not a level of the scale ({_values_text(values)})")
    if not levels:
        return None
    return Scale(name=one_line(name), levels=tuple(levels), target=target if target in values else values[-1])


def _values_text(values: list[int] | tuple[int, ...]) -> str:
    return ", ".join(str(v) for v in values)


def _action_plan(c: Checker, data: dict) -> tuple[str, list[ActionColumn]]:
    node = c.field(data, "action_plan", "", dict, default={})
    c.unknown_keys(node, {"target", "columns"}, "action_plan")
    target = c.field(node, "target", "action_plan", str, required=False, default="next-level")
    if target not in TARGET_MODES:
        c.add("bad-choice", "action_plan.target",
              f"'{target}' is not a target mode (use one of: {', '.join(TARGET_MODES)})")
        target = "next-level"
    raw_columns = c.field(node, "columns", "action_plan", list, default=[]) if node else []
    columns: list[ActionColumn] = []
    seen: dict[str, int] = {}
    roles: dict[str, int] = {}
    for i, raw in enumerate(raw_columns):
        path = f"action_plan.columns[{i}]"
        if not isinstance(raw, dict):
            c.add("wrong-type", path, f"expected a mapping with id, name and kind, found {show(raw)}")
            continue
        c.unknown_keys(raw, {"id", "name", "kind", "role", "help", "options"}, path)
        cid = c.field(raw, "id", path, str, default="")
        name = c.field(raw, "name", path, str, default="")
        kind = c.field(raw, "kind", path, str, default="text")
        help_text = one_line(c.field(raw, "help", path, str, required=False, default=""))
        if kind not in COLUMN_KINDS:
            c.add("bad-choice", f"{path}.kind",
                  f"'{kind}' is not a column kind (use one of: {', '.join(COLUMN_KINDS)})")
        if len(help_text) > HELP_LIMIT:
            c.add("too-long", f"{path}.help", f"is {len(help_text)} characters; Excel shows at most {HELP_LIMIT}")
        options: list[str] = []
        if kind == "choice":
            options = [str(o).strip() for o in _string_list(c, raw, "options", path, required=True)]
            if "options" in raw and not options:
                c.add("empty-field", f"{path}.options", "a choice column needs at least one option")
        elif "options" in raw:
            c.add("unexpected-field", f"{path}.options", f"options are only for choice columns, not {kind}")
        if cid:
            if not ITEM_ID_RE.match(cid):
                c.add("bad-id", f"{path}.id", f"'{cid}' may use only letters, digits, '.', '_' and '-'")
            if cid in seen:
                c.add("duplicate-id", f"{path}.id", f"'{cid}' is already used by action_plan.columns[{seen[cid]}]")
            seen.setdefault(cid, i)
        role = _role(c, raw, path, kind, roles, i)
        columns.append(ActionColumn(cid, one_line(name), kind if kind in COLUMN_KINDS else "text", help_text,
                                    tuple(options), role))
    if node and not raw_columns and "columns" in node:
        c.add("empty-field", "action_plan.columns", "the action plan needs at least one column")
    return target, columns


def _role(c: Checker, raw: dict, path: str, kind: str, roles: dict[str, int], index: int) -> str | None:
    """An action column's role: one of the roles, played by one column at most, of a kind that can play it."""
    role = c.field(raw, "role", path, str, required=False, default=None)
    if role is None:
        return None
    if role not in ROLES_BY_NAME:
        names = ", ".join(r.name for r in ACTION_ROLES)
        c.add("bad-choice", f"{path}.role", f"'{role}' is not a role (use one of: {names}, or none for a column "
                                            "of the framework's own)")
        return None
    if role in roles:
        c.add("duplicate-role", f"{path}.role",
              f"'{role}' is already the role of action_plan.columns[{roles[role]}]; a role has one column")
    roles.setdefault(role, index)
    kinds = ROLES_BY_NAME[role].kinds
    if kind in COLUMN_KINDS and kind not in kinds:
        c.add("role-kind", f"{path}.role", f"a {role} column must be of kind {' or '.join(kinds)}, not {kind}")
    return role


def _areas(c: Checker, data: dict, scale: Scale | None, mode: str) -> list[Area]:
    raw_areas = c.field(data, "areas", "", list, default=[])
    if "areas" in data and not raw_areas:
        c.add("empty-field", "areas", "a framework needs at least one area")
    seen: dict[str, str] = {}

    def claim(item_id: str, path: str) -> None:
        if not item_id:
            return
        if not ITEM_ID_RE.match(item_id):
            c.add("bad-id", path, f"'{item_id}' may use only letters, digits, '.', '_' and '-'")
        elif len(item_id) > ID_LIMIT:
            c.add("too-long", path, f"'{item_id}' is longer than {ID_LIMIT} characters")
        if item_id in seen:
            c.add("duplicate-id", path, f"'{item_id}' is already used by {seen[item_id]}")
        else:
            seen[item_id] = path.rsplit(".", 1)[0]

    areas: list[Area] = []
    for a, raw in enumerate(raw_areas):
        path = f"areas[{a}]"
        if not isinstance(raw, dict):
            c.add("wrong-type", path, f"expected a mapping with id, title and statements, found {show(raw)}")
            continue
        c.unknown_keys(raw, {"id", "title", "description", "statements", "groups"}, path)
        aid = c.field(raw, "id", path, str, default="")
        claim(aid, f"{path}.id")
        title = c.field(raw, "title", path, str, default="")
        description = c.field(raw, "description", path, str, required=False, default=None)
        statements: list[Statement] = []
        groups: list[Group] = []
        has_groups = "groups" in raw
        has_statements = "statements" in raw
        if has_groups and has_statements:
            c.add("groups-and-statements", path, "an area holds either statements or groups, not both")
        if not has_groups and not has_statements:
            c.add("missing-field", f"{path}.statements", "the area has no statements (or groups)")
        if has_groups:
            for g, graw in enumerate(c.field(raw, "groups", path, list, default=[])):
                gpath = f"{path}.groups[{g}]"
                if not isinstance(graw, dict):
                    c.add("wrong-type", gpath, f"expected a mapping with id, title and statements, found {show(graw)}")
                    continue
                c.unknown_keys(graw, {"id", "title", "statements"}, gpath)
                gid = c.field(graw, "id", gpath, str, default="")
                claim(gid, f"{gpath}.id")
                gtitle = c.field(graw, "title", gpath, str, default="")
                gstatements = list(_statements(c, graw, gpath, aid, gid, scale, mode, claim))
                groups.append(Group(gid, one_line(gtitle), tuple(gstatements)))
                statements += gstatements
        if has_statements:
            statements += _statements(c, raw, path, aid, None, scale, mode, claim)
        areas.append(Area(aid, one_line(title), paragraphs(description) if description else None,
                          tuple(statements), tuple(groups)))
    return areas


def _statements(c: Checker, node: dict, path: str, area_id: str, group_id: str | None, scale: Scale | None,
                mode: str, claim) -> Iterator[Statement]:
    raw_list = c.field(node, "statements", path, list, default=[])
    if "statements" in node and not raw_list:
        c.add("empty-field", f"{path}.statements", "needs at least one statement")
    for s, raw in enumerate(raw_list):
        spath = f"{path}.statements[{s}]"
        if not isinstance(raw, dict):
            c.add("wrong-type", spath, f"expected a mapping with id and text, found {show(raw)}")
            continue
        c.unknown_keys(raw, {"id", "text", "title", "descriptors", "provenance"}, spath)
        sid = c.field(raw, "id", spath, str, default="")
        claim(sid, f"{spath}.id")
        text = c.field(raw, "text", spath, str, default="")
        title = c.field(raw, "title", spath, str, required=False, default=None)
        provenance = c.field(raw, "provenance", spath, str, required=False, default=None)
        descriptors = _descriptors(c, raw, spath, scale, mode)
        yield Statement(sid, one_line(text), area_id, group_id, one_line(title) if title else None,
                        descriptors, one_line(provenance) if provenance else None)


def _descriptors(c: Checker, raw: dict, spath: str, scale: Scale | None, mode: str) -> tuple[tuple[int, str], ...]:
    node = c.field(raw, "descriptors", spath, dict, required=False, default=None)
    if mode != "descriptor":
        if node is not None:
            c.add("unexpected-field", f"{spath}.descriptors", "descriptors need rating.mode: descriptor")
        return ()
    if node is None:
        if "descriptors" not in raw:
            c.add("missing-field", f"{spath}.descriptors", "rating.mode is descriptor, so each statement needs "
                                                            "one descriptor per level of the scale")
        return ()
    out: list[tuple[int, str]] = []
    values = scale.values if scale else ()
    for key, text in node.items():
        try:
            value = int(key)
        except (TypeError, ValueError):
            c.add("not-on-scale", f"{spath}.descriptors.{key}", f"'{key}' is not a level of the scale "
                                                                 f"({_values_text(values)})")
            continue
        if scale and value not in values:
            c.add("not-on-scale", f"{spath}.descriptors.{key}",
                  f"{value} is not a level of the scale ({_values_text(values)})")
            continue
        if not isinstance(text, str) or not text.strip():
            c.add("empty-field", f"{spath}.descriptors.{key}", "the descriptor text is empty")
            continue
        out.append((value, one_line(text)))
    missing = [v for v in values if v not in dict(out)]
    if scale and missing:
        c.add("missing-descriptor", f"{spath}.descriptors", f"no descriptor for level(s) {_values_text(missing)}")
    return tuple(sorted(out))


# --- files and the registry -------------------------------------------------------------------------------


# libyaml's loader when PyYAML was built with it (its wheels are): the same safe loader, ~10x faster, which a
# collection's start-up (every bundled spec, archived versions too) notices.

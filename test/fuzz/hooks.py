"""Schemathesis hooks: apply the rules the OpenAPI document states as `x-intraday-*` extensions.

JSON Schema cannot say that totalMinor equals the sum of the lines, that the sum is capped, that
occurredAt is a real calendar date within a range and not ahead of the server clock, that an
eventId names one payload, or that a query's `to` follows its `from` within the longest range.
The document states these rules as extensions (docs/api.md, "Rules JSON Schema cannot state, for
machines"); this module reads them from the operation (request-body schema, query parameters)
and, just before a request is sent, makes its body and query follow them when they are otherwise
schema-valid. Nothing here knows the API's field names: they all come from the document.

Values that are not schema-valid (negative mode) are left exactly as generated, so the negative
checks still see invalid data.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import jsonschema_rs
import schemathesis

RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})([Tt])(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$")
ID_NAMESPACE = uuid.UUID("6f1c0a53-2c51-4b8e-9f0e-7d1d5c3a9b21")
_validators: dict[int, Any] = {}


def _request_schema(ctx: Any) -> dict | None:
    operation = getattr(ctx, "operation", None)
    if operation is None:
        return None
    raw = operation.definition.raw
    try:
        return raw["requestBody"]["content"]["application/json"]["schema"]
    except (KeyError, TypeError):
        return None


def _has_rules(schema: Any) -> bool:
    if isinstance(schema, dict):
        return any(k.startswith("x-intraday-") for k in schema) or any(_has_rules(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_rules(v) for v in schema)
    return False


def _query_schemas(ctx: Any) -> dict[str, dict]:
    operation = getattr(ctx, "operation", None)
    params = (operation.definition.raw.get("parameters") if operation is not None else None) or []
    return {p["name"]: p.get("schema", {}) for p in params if isinstance(p, dict) and p.get("in") == "query"}


def _is_valid(schema: dict, value: Any) -> bool:
    key = id(schema)
    if key not in _validators:
        _validators[key] = jsonschema_rs.Draft202012Validator(schema)
    try:
        return _validators[key].is_valid(value)
    except Exception:  # values the validator cannot even read (e.g. lone surrogates) are not valid
        return False


def _apply(schema: dict, value: Any) -> Any:
    """Applies the rules of `schema` (and of its branches, items and properties) to a value valid under it."""
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        if _is_valid(branch, value):
            return _apply(branch, value)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_apply(schema["items"], v) for v in value]
    if not isinstance(value, dict):
        return value
    out = dict(value)
    props = schema.get("properties", {})
    clock = schema.get("x-intraday-max-ahead-of-server-clock")
    for name, prop in props.items():
        if name in out and isinstance(prop, dict):
            out[name] = _apply(prop, out[name])
            if "x-intraday-instant" in prop:
                ahead_ms = clock["ms"] if clock and clock.get("field") == name else None
                out[name] = _instant(prop["x-intraday-instant"], out[name], ahead_ms)
    if "x-intraday-sum-of" in schema:
        _sum_of(schema["x-intraday-sum-of"], out)
    for name, prop in props.items():
        if isinstance(prop, dict) and "x-intraday-idempotency-key" in prop and name in out:
            out[name] = _idempotency_key(out, name)
    return out


def _sum_of(rule: dict, event: dict) -> None:
    """Σ over rule.array of the product of rule.product ≤ rule.maximum, and = event[rule.equalTo] when given."""
    items = event.get(rule["array"])
    if not isinstance(items, list):
        return
    first, second = rule["product"]
    remaining = rule["maximum"]
    total = 0
    lines = []
    for item in items:
        item = dict(item)
        if item[first] * item[second] > remaining:
            # Lower the second factor (unitPriceMinor) so the sum stays within the cap; it stays ≥ 0.
            item[second] = remaining // item[first]
        part = item[first] * item[second]
        remaining -= part
        total += part
        lines.append(item)
    event[rule["array"]] = lines
    if rule.get("equalTo") in event:
        event[rule["equalTo"]] = total


def _instant(rule: dict, text: Any, ahead_ms: int | None) -> Any:
    """A real calendar date-time in [minimum, exclusiveMaximum) and not past now + ahead_ms, keeping the text's form."""
    m = RFC3339.match(text) if isinstance(text, str) else None
    if not m:
        return text
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    offset_s = 0
    if m.group(10):
        offset_s = (1 if m.group(10) == "+" else -1) * (int(m.group(11)) * 3600 + int(m.group(12)) * 60)
    lowest = _parse_z(rule["minimum"])
    highest = _parse_z(rule["exclusiveMaximum"]) - 1
    if ahead_ms is not None:
        highest = min(highest, time.time() + ahead_ms / 1000)

    def instant(y: int) -> float:
        d = min(day, calendar.monthrange(y, month)[1]) if rule.get("realCalendarDate") else day
        fields = datetime(y, month, d, int(m.group(5)), int(m.group(6)), int(m.group(7)), tzinfo=timezone.utc)
        return fields.timestamp() - offset_s

    if not (lowest <= instant(year) <= highest):
        # Move the year into the allowed span (deterministically, from the generated year).
        first, last = datetime.fromtimestamp(lowest, timezone.utc).year + 1, datetime.fromtimestamp(highest, timezone.utc).year - 1
        year = first + (year - first) % max(1, last - first + 1)
    if rule.get("realCalendarDate"):
        day = min(day, calendar.monthrange(year, month)[1])
    return f"{year:04d}-{month:02d}-{day:02d}{text[10:]}"


def _parse_z(text: str) -> float:
    if text.startswith("10000-"):  # beyond datetime's range: the first instant of year 10000
        return 253402300800.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$")
LAST_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (year 0 included, unlike datetime)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _epoch_ms(text: Any) -> int | None:
    m = DATE_TIME.match(text) if isinstance(text, str) else None
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    ms = int((m.group(7) or "0")[:3].ljust(3, "0"))
    offset = 0
    if m.group(8):
        offset = (1 if m.group(8) == "+" else -1) * (int(m.group(9)) * 60 + int(m.group(10))) * 60_000
    return ((_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms - offset


def _format_ms(t: int) -> str:
    return datetime.fromtimestamp(t / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t % 1000:03d}Z"


def _after(rule: dict, query: dict, name: str, schemas: dict[str, dict]) -> None:
    """query[name] after query[rule.field], by at most rule.maxDistanceMs."""
    other = rule["field"]
    if name not in query or other not in query:
        return
    if not (_is_valid(schemas[name], query[name]) and _is_valid(schemas.get(other, {}), query[other])):
        return
    start, end = _epoch_ms(query[other]), _epoch_ms(query[name])
    if start is None or end is None:
        return
    maximum = rule["maxDistanceMs"]
    if 0 < end - start <= maximum:
        return
    distance = (end - start) % maximum or maximum
    if start < 0 or start + distance > LAST_MS:  # outside what the formatting here can write: a span it can
        start = 946684800000  # 2000-01-01T00:00:00Z
        query[other] = _format_ms(start)
    query[name] = _format_ms(start + distance)


def _idempotency_key(event: dict, field: str) -> str:
    """One id per payload: the same payload sent again is a duplicate, another payload never reuses an id."""
    payload = json.dumps({k: v for k, v in event.items() if k != field}, sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(ID_NAMESPACE, hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()))


def follow_rules(schema: dict | None, body: Any) -> Any:
    """The body with the document's rules applied, or the body itself when it is not schema-valid."""
    if schema is None or not _has_rules(schema) or not _is_valid(schema, body):
        return body
    mapped = _apply(schema, body)
    # Applying a rule never leaves the schema; if it ever did, the generated body is kept as it was.
    return mapped if _is_valid(schema, mapped) else body


def follow_query_rules(schemas: dict[str, dict], query: Any) -> Any:
    """The query with the document's rules on its parameters applied (values not schema-valid are left alone)."""
    if not isinstance(query, dict):
        return query
    out = dict(query)
    for name, schema in schemas.items():
        if isinstance(schema, dict) and "x-intraday-after" in schema:
            _after(schema["x-intraday-after"], out, name, schemas)
    return out if out != query else query


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # Before every call (a map_body hook would miss the coverage phase's bodies).
    mapped = follow_rules(_request_schema(ctx), case.body)
    if mapped is not case.body:
        case.body = mapped
    query = follow_query_rules(_query_schemas(ctx), case.query)
    if query is not case.query:
        case.query = query

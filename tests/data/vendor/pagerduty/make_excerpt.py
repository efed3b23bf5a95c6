"""Rebuild ``schemas.json`` from PagerDuty's OpenAPI description (run by hand, not by tests).

    python tests/data/vendor/pagerduty/make_excerpt.py /path/to/openapiv3.json

Source: PagerDuty/api-schema @91a06fb, reference/REST/openapiv3.json (Apache-2.0).
Keeps the 200 responses of the endpoints the sandbox serves and every component schema
they reach, rewritten as JSON Schema (2020-12) for ``jsonschema``:
- ``$ref: #/components/schemas/X...`` becomes ``#/$defs/X...``;
- OpenAPI's ``nullable: true`` becomes a ``"null"`` member of ``type``;
- fields whose own description says they may be null but lack ``nullable`` are made
  nullable (listed in NULLABLE below); the live API returns null there;
- ``Channel.oneOf`` becomes ``anyOf``: its variants (Nagios, API, email, web trigger,
  website) are told apart by ``channel[type]`` in prose only, so a minimal channel
  matches several and a strict ``oneOf`` would reject every log entry;
- ``AcknowledgeLogEntry.type`` reads ``acknowledgement_log_entry`` in the spec, while
  ``LogEntry.type`` (and the live API) say ``acknowledge_log_entry``: we use the latter.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ENDPOINTS = {
    "GET_incidents": "/incidents",
    "GET_incident": "/incidents/{id}",
    "GET_log_entries": "/log_entries",
    "GET_incident_log_entries": "/incidents/{id}/log_entries",
    "GET_services": "/services",
    "GET_users": "/users",
    "GET_priorities": "/priorities",
    "GET_escalation_policies": "/escalation_policies",
    "GET_teams": "/teams",
}
# (schema, property) pairs documented as "null if ..." without nullable: true
NULLABLE = {("Incident", "resolved_at"), ("Incident", "alert_grouping")}
ONE_OF_AS_ANY_OF = {"Channel"}
PREFIX = "#/components/schemas/"


def convert(node: Any) -> Any:
    """OpenAPI 3.0 schema node -> JSON Schema node."""
    if isinstance(node, list):
        return [convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: convert(value) for key, value in node.items() if key not in ("example",)}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith(PREFIX):
        out["$ref"] = "#/$defs/" + out["$ref"][len(PREFIX) :]
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def reached(spec: dict[str, Any], roots: list[Any]) -> set[str]:
    """Names of the component schemas the roots refer to, transitively."""
    schemas = spec["components"]["schemas"]
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(PREFIX):
                name = ref[len(PREFIX) :].split("/")[0]
                if name not in seen:
                    seen.add(name)
                    stack.append(schemas[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def main(source: Path) -> None:
    spec = json.loads(source.read_text())
    ok = "application/json"
    roots = {
        name: spec["paths"][path]["get"]["responses"]["200"]["content"][ok]["schema"]
        for name, path in ENDPOINTS.items()
    }
    names = reached(spec, list(roots.values()))
    defs = {name: convert(spec["components"]["schemas"][name]) for name in sorted(names)}
    for schema, prop in NULLABLE:
        for part in defs[schema]["allOf"]:
            target = part.get("properties", {}).get(prop)
            if target is not None:
                part["properties"][prop] = {"anyOf": [target, {"type": "null"}]}
    ack_type = defs["AcknowledgeLogEntry"]["allOf"][1]["properties"]["type"]
    ack_type["enum"] = ["acknowledge_log_entry"]
    for name in ONE_OF_AS_ANY_OF:
        defs[name]["anyOf"] = defs[name].pop("oneOf")
    defs.update({name: convert(root) for name, root in roots.items()})
    excerpt = {
        "$comment": "Excerpt of PagerDuty/api-schema@91a06fb reference/REST/openapiv3.json "
        "(Apache-2.0), converted by make_excerpt.py in this folder.",
        "$defs": defs,
    }
    out = Path(__file__).with_name("schemas.json")
    out.write_text(json.dumps(excerpt, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""The Query protocol's two halves: flat request parameters read into values and lists
(``Tags.member.1.Key``), and results written as AWS's XML (``<member>`` for list items).
https://docs.aws.amazon.com/IAM/latest/APIReference/iam-api.pdf (Query requests),
botocore's service models for the shapes.
"""

from __future__ import annotations

from urllib.parse import quote

from .errors import AwsError, xml_text

MAX_PARAMETERS = 500


class Params:
    """A request's parameters by name (each at most once), with readers that raise AWS's errors."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        if len(pairs) > MAX_PARAMETERS:
            raise AwsError("MalformedQueryString", f"A request may carry at most {MAX_PARAMETERS} parameters.", 404)
        self.values: dict[str, str] = {}
        for name, value in pairs:
            if name in self.values:
                raise AwsError("MalformedQueryString", f"The parameter {name[:100]} appears more than once.", 404)
            self.values[name] = value

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def required(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            raise AwsError("MissingParameter", f"The request must contain the parameter {name}.", 400)
        return value

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not value.lstrip("-").isdigit() or len(value) > 12:
            raise AwsError("ValidationError", f"Value '{value[:40]}' at '{_camel(name)}' is not a valid integer.", 400)
        return int(value)

    def boolean(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            raise AwsError("ValidationError", f"Value '{value[:40]}' at '{_camel(name)}' is not true or false.", 400)
        return value.lower() == "true"

    def members(self, name: str, fields: tuple[str, ...] = ()) -> list:
        """``Name.member.N`` (or ``Name.member.N.Field``) as a list in N's order; ``[]`` when absent."""
        prefix = f"{name}.member."
        found: dict[int, object] = {}
        for key, value in self.values.items():
            if not key.startswith(prefix):
                continue
            index, _dot, field = key[len(prefix) :].partition(".")
            if not index.isdigit() or not 1 <= int(index) <= 1000 or (field and field not in fields):
                raise AwsError("MalformedQueryString", f"The parameter {key[:100]} is not understood.", 404)
            if fields:
                entry = found.setdefault(int(index), {})
                if not isinstance(entry, dict) or not field:
                    raise AwsError("MalformedQueryString", f"The parameter {key[:100]} is not understood.", 404)
                entry[field] = value
            else:
                if field:
                    raise AwsError("MalformedQueryString", f"The parameter {key[:100]} is not understood.", 404)
                found[int(index)] = value
        return [found[i] for i in sorted(found)]


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def policy_text(document: object) -> str:
    """A policy document as the IAM API returns it: URL-encoded JSON text (botocore decodes it)."""
    return quote(document if isinstance(document, str) else _json(document), safe="")


def _json(value: object) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


def element(name: str, value: object) -> str:
    """``value`` as the XML element ``name``: a dict's items as children, a list's as ``<member>``s."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    if isinstance(value, dict):
        return f"<{name}>" + "".join(element(k, v) for k, v in value.items()) + f"</{name}>"
    if isinstance(value, list | tuple):
        return f"<{name}>" + "".join(element("member", item) for item in value) + f"</{name}>"
    return f"<{name}>{xml_text(value)}</{name}>"


def result_document(action: str, namespace: str, result: dict | None, rid: str) -> str:
    """``<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`` as the Query APIs answer."""
    inner = element(f"{action}Result", result) if result is not None else ""
    return (
        f'<{action}Response xmlns="{namespace}">{inner}'
        f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{action}Response>"
    )

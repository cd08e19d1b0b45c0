"""The one list of places where Qlik's published spec is itself wrong or unusable, each with why.

The contract validator applies each quirk to its copy of the digest (`specs.json` stays the
spec's facts, untouched) before checking anything. Nothing else is excused: a change here needs
a reason a reviewer can check against the spec and the rendered reference.

A quirk names the API, a JSON pointer into that API's digest, and what replaces the value there
(`DELETE` removes it). `OUTSIDE` lists operations the emulator serves that the spec does not
document at all; their requests and answers are not checked (there is nothing to check against).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DELETE = object()


@dataclass(frozen=True)
class Quirk:
    api: str
    pointer: str
    value: Any
    reason: str
    adds: bool = False  # the place is missing from the spec (the quirk fills it in)


BINARY = {"type": "string", "format": "binary"}

QUIRKS: list[Quirk] = [
    Quirk("data-files", "/paths/~1api~1v1~1data-files/post/requestBody/content/"
          "multipart~1form-data/schema/required", ["Json"],
          'the multipart body lists "Json.Name" as required: there is no such part (parts are '
          '"Json" and "File"; "name" is required inside Json, which the Json schema already says)'),
    Quirk("data-stores", "/components/schemas/JsonPatch/properties/value", {},
          "RFC 6902's value is any JSON value; typed object, a patch could not replace a string "
          "(name, description) or an array (tags), which is what patches are for"),
    Quirk("temp-contents", "/paths/~1api~1v1~1temp-contents~1{id}/get/responses/200/content/"
          "*~1*/schema", BINARY,
          "the download is the file's bytes (any media type), typed as a JSON object"),
    Quirk("temp-contents", "/paths/~1api~1v1~1temp-contents~1{id}/get/responses/206/content/"
          "*~1*/schema", BINARY,
          "the ranged download is a slice of the file's bytes, typed as a JSON object"),
    Quirk("extensions", "/components/schemas/extension/properties/createdAt/format", "date-time",
          'createdAt is a timestamp (the reference shows "2021-01-01T00:00:00.000Z"), typed '
          'format "date", which no timestamp matches'),
    Quirk("extensions", "/components/schemas/extension/properties/updateAt/format", "date-time",
          "updateAt: the same as createdAt"),
    Quirk("extensions", "/components/schemas/error/required", ["title"],
          'the error schema requires "code" but never defines it (no type, no meaning); the '
          "rendered reference lists title as the only required property, and no code at all"),
    Quirk("extensions", "/paths/~1api~1v1~1extensions~1{id}~1file~1{filepath}/get/responses/200/"
          "content", {"*/*": {"schema": BINARY}}, adds=True,
          reason="the 200 of a file from the archive documents no body at all: it is the file"),
]

# Java's Map<String, Object> rendered as "values are objects": the rendered reference says
# "A Map of name-value pairs", and the tests (like users) put strings and numbers there
for _api, _names in (("data-stores", ("DataAsset", "DataField", "DataSet", "DataStore",
                                      "FieldDataType")),
                     ("data-assets", ("DataAsset",)),
                     ("data-sets", ("DataField", "DataSet", "FieldDataType"))):
    for _name in _names:
        QUIRKS.append(Quirk(_api, f"/components/schemas/{_name}/properties/properties/"
                            "additionalProperties", {},
                            '"properties" is "a Map of name-value pairs" (the reference); the spec '
                            "types every value as an object, the same generator slip as JSON "
                            "Patch's value"))

# query parameters that make a response hold only some fields of its items: with one of these
# in the request, the items' required lists are not checked (everything else is)
SUBSET_PARAMS = {
    "projections": "the catalog's projections return only the named fields, yet its item "
                   "schemas require technicalName, type and appType",
}

# path parameters that hold a path of several segments (OpenAPI's {param} matches one)
PATH_PARAMS = {
    "filepath": "a file inside an extension's archive is addressed by its path in the archive, "
                "e.g. lib/helper.js (the reference's own description: 'Path to the file')",
}

# operations the emulator serves that no spec documents: (method, path template, why)
OUTSIDE: list[tuple[str, str, str]] = [
    ("HEAD", "/api/v1/temp-contents/files/{id}",
     "tus 1.0.0 core (the offset of an upload, for resuming); the spec documents only the "
     "creation POST and PATCH of the tus protocol it names"),
    ("DELETE", "/api/v1/temp-contents/files/{id}", "tus 1.0.0 termination extension"),
    ("OPTIONS", "/api/v1/temp-contents/files", "tus 1.0.0 discovery (Tus-Version, Tus-Max-Size)"),
]

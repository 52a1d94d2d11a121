#!/usr/bin/env python3
"""Checks the examples of the OpenAPI document's component schemas.

Usage: check_examples.py URL-or-path-of-openapi.json

Every schema under components.schemas must carry an example (the `*Page` wrappers excepted),
and every example must validate against its schema. OpenAPI 3.1 schemas are JSON Schema
2020-12; `$ref: #/components/schemas/X` resolves within the document. Formats the validator
knows (date, date-time, email, ...) are checked too. Exits 1, listing each schema without an
example and each example that does not validate with why.
"""

import json
import sys
import urllib.request

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:cadence:openapi"


def load(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as answer:
            return json.load(answer)
    with open(source, encoding="utf-8") as file:
        return json.load(file)


def examples_of(schema):
    """The examples a schema carries: `example`, else the items of `examples`."""
    if "example" in schema:
        return [schema["example"]]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples
    return []


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    document = load(argv[1])
    schemas = document.get("components", {}).get("schemas", {})
    registry = Registry().with_resource(BASE, Resource(contents=document, specification=DRAFT202012))
    missing, invalid = [], []
    with_examples = valid = 0
    for name, schema in sorted(schemas.items()):
        examples = examples_of(schema)
        if not examples:
            if not name.endswith("Page"):
                missing.append(name)
            continue
        with_examples += 1
        validator = Draft202012Validator(
            {"$ref": f"{BASE}#/components/schemas/{name}"},
            registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [e for example in examples for e in validator.iter_errors(example)]
        if errors:
            invalid.append((name, errors))
        else:
            valid += 1
    for name, errors in invalid:
        print(f"example of {name} does not match its schema:")
        for error in sorted(errors, key=lambda e: list(e.absolute_path))[:10]:
            print(f"  at {error.json_path}: {error.message}")
    if missing:
        print(f"schemas without an example ({len(missing)}): {', '.join(missing)}")
    print(f"examples: {len(schemas)} schemas, {with_examples} with examples, {valid} valid")
    return 1 if invalid or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Writes a copy of an OpenAPI document in which every response header is
`required: true`, so schemathesis checks that each one is always sent."""
import sys

import yaml

spec = yaml.safe_load(open(sys.argv[1]))


def mark(node):
    if isinstance(node, dict):
        headers = node.get("headers")
        if isinstance(headers, dict):
            for header in headers.values():
                if isinstance(header, dict) and "$ref" not in header:
                    header["required"] = True
        for value in node.values():
            mark(value)
    elif isinstance(node, list):
        for value in node:
            mark(value)


mark(spec)
yaml.safe_dump(spec, open(sys.argv[2], "w"), sort_keys=False)

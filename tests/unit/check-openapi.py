#!/usr/bin/env python3
"""docs/openapi.json against the routes rootfs/paraventd/api.c really serves: every route and
method of one is in the other. Prints the unit tests' "openapi: N passed, N failed" line."""
import json
import os
import re
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
src = open(os.path.join(top, "rootfs/paraventd/api.c")).read()
doc = json.load(open(os.path.join(top, "docs/openapi.json")))

served = {("/host", "get"), ("/metrics", "get"), ("/domains", "get"), ("/domains", "post"),
          ("/domains/{name}", "get"), ("/domains/{name}", "delete"), ("/domains/{name}/console", "get"),
          ("/domains/{name}/save", "get"), ("/domains/{name}/save", "post"),
          ("/domains/{name}/migrate", "get"), ("/domains/{name}/migrate", "post"), ("/restore", "post")}
table = src[src.index("} actions[] = {"):]
table = table[:table.index("};")]
for sub, method in re.findall(r'\{ "([a-z_]+)", "([A-Z]+)", (?:true|false) \}', table):
    served.add(("/domains/{name}/" + sub, method.lower()))
# the fixed routes must really be in the handler
for path in ("/host", "/metrics", "/domains", '"console"', '"save"', '"migrate"', '"/restore"'):
    assert path.strip('"') in src, path

documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
passed = failed = 0
for route in sorted(served | documented):
    if route in served and route in documented:
        passed += 1
    else:
        failed += 1
        where = "served but not in docs/openapi.json" if route in served else "in docs/openapi.json but not served"
        print("%s %s: %s" % (route[1].upper(), route[0], where))
print("openapi: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

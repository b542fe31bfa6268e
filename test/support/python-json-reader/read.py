# Reads request bodies as a Python model server does (json.loads on the bytes: a BOM and UTF-16
# detected, bad UTF-8 refused, the last of repeated keys winning), then reports the value at each
# asked path. The parser-table test compares it with the Python reader model
# (test/support/json-readers.ts). Input on stdin: [{"body": base64, "path": [...]}].
import base64, json, math, sys

def plain(v):
    # Integers as text (exact at any size), floats JSON cannot hold as null.
    if isinstance(v, bool) or v is None or isinstance(v, str): return v
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return v if math.isfinite(v) else None
    if isinstance(v, list): return [plain(x) for x in v]
    return {k: plain(x) for k, x in v.items()}

out = []
for ask in json.load(sys.stdin):
    try:
        v = json.loads(base64.b64decode(ask["body"]))
    except Exception as e:
        out.append({"refused": type(e).__name__}); continue
    for step in ask["path"]:
        if isinstance(step, str): v = v.get(step) if isinstance(v, dict) else None
        else: v = v[step] if isinstance(v, list) and step < len(v) else None
    out.append({"value": plain(v)})
json.dump(out, sys.stdout)

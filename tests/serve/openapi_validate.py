#!/usr/bin/python3
"""serve/openapi.json checked by independent tools, and against the real server.

1. The document is validated with the OpenAPI Initiative's JSON Schema for OpenAPI 3.0
   (Debian's openapi-specification, /usr/share/openapi-specification/schemas/v3.0/schema.json)
   by python3-jsonschema. Debian 12 packages no dedicated OpenAPI 3 validator (no
   openapi-spec-validator; python3-swagger-spec-validator reads Swagger 2.0 only).
2. Every example in it is validated against its schema by jsonschema.
3. `policy serve` (argv[1]) is started on a free loopback port, with and without a token, and
   each operation's example requests and a set of bad requests are sent; every answer's status,
   media type, documented headers and body (JSON documents, JSON Lines, the percent-encoded
   X-Policy-Summary) must be what the document says. Objects are checked strictly: a field the
   document does not list is an error (the document lists every field the server writes).

Run with /usr/bin/python3: a pyenv interpreter earlier in PATH lacks Debian's modules.
usage: openapi_validate.py POLICY_BINARY OPENAPI_JSON [OAS_3_0_SCHEMA_JSON]
"""

import copy
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

try:
    import jsonschema
except ImportError:
    sys.exit("openapi_validate: the jsonschema module is missing; install python3-jsonschema "
             "(scripts/install-deps.sh) and run with /usr/bin/python3")

OAS_SCHEMA = "/usr/share/openapi-specification/schemas/v3.0/schema.json"
failures = []


def fail(what):
    failures.append(what)
    print("openapi_validate: FAILED: " + what, file=sys.stderr)


policy, doc_path = sys.argv[1], sys.argv[2]
oas_path = sys.argv[3] if len(sys.argv) > 3 else OAS_SCHEMA
if not os.path.exists(oas_path):
    sys.exit("openapi_validate: %s is missing; install openapi-specification "
             "(scripts/install-deps.sh)" % oas_path)
with open(doc_path, encoding="utf-8") as f:
    doc = json.load(f)
with open(oas_path, encoding="utf-8") as f:
    oas = json.load(f)

# ---- 1. the document against the OpenAPI 3.0 schema ---------------------------------------------
for e in sorted(jsonschema.Draft4Validator(oas).iter_errors(doc), key=lambda e: list(e.path)):
    fail("not OpenAPI 3.0 at /%s: %s" % ("/".join(map(str, e.path)), e.message[:300]))


# ---- the document's schemas as JSON Schema (draft 4) ---------------------------------------------
def to_json_schema(node, strict):
    """OpenAPI 3.0 Schema Objects as JSON Schema: nullable becomes a "null" type (and a null in an
    enum); with `strict`, an object schema that lists properties and says nothing of others gets
    additionalProperties false."""
    if isinstance(node, list):
        return [to_json_schema(n, strict) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v, strict) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    if strict and "properties" in out and "additionalProperties" not in out and "$ref" not in out:
        out["additionalProperties"] = False
    return out


strict_doc = to_json_schema(copy.deepcopy(doc), True)
resolver = jsonschema.RefResolver("", strict_doc)


def validate(schema_ref_or_schema, value, what):
    schema = to_json_schema(schema_ref_or_schema, True)
    v = jsonschema.Draft4Validator(schema, resolver=resolver)
    for e in v.iter_errors(value):
        fail("%s at /%s: %s" % (what, "/".join(map(str, e.path)), e.message[:300]))


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


# ---- 2. every example against its schema ---------------------------------------------------------
def examples_of(obj):
    if "example" in obj:
        yield "example", obj["example"]
    for name, e in obj.get("examples", {}).items():
        yield name, deref(e)["value"]


checked = 0


def walk(node, where):
    global checked
    if isinstance(node, dict):
        if "schema" in node:
            for name, value in examples_of(node):
                validate(node["schema"], value, "example %s %s" % (where, name))
                checked += 1
        for k, v in node.items():
            if k not in ("example", "examples"):
                walk(v, where + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, "%s/%d" % (where, i))


walk(doc, "#")
if checked < 25:
    fail("only %d examples were checked" % checked)


# ---- 3. the real server ---------------------------------------------------------------------------
class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen([policy, "serve", "--listen", "127.0.0.1:0", "--quiet", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()  # "policy serve：页面和 API 在 http://127.0.0.1:PORT/（..."
        start = line.find("http://127.0.0.1:")
        if start < 0:
            self.proc.kill()
            sys.exit("openapi_validate: the server did not start: %r %s" % (line, self.proc.stderr.read()))
        rest = line[start + len("http://127.0.0.1:"):]
        self.port = int(rest[:rest.find("/")])

    def stop(self):
        self.proc.terminate()
        if self.proc.wait(timeout=10) != 0:
            fail("the server did not exit 0 on SIGTERM")

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def check_answer(path, method, status, headers, body, what):
    """The answer is documented for the operation: status, media type, headers and body."""
    op = doc["paths"][path][method.lower()]
    responses = op["responses"]
    if str(status) not in responses:
        fail("%s: status %d is not documented" % (what, status))
        return
    response = deref(responses[str(status)])
    media = headers.get("content-type", "").split(";")[0].strip()
    if body and media not in response.get("content", {}):
        fail("%s: %s is not documented for %d" % (what, media, status))
        return
    documented = {name.lower() for name in response.get("headers", {})}
    for name in ("x-decision-id", "x-policy-summary", "content-disposition", "retry-after", "www-authenticate", "allow"):
        if name in headers and name not in documented:
            fail("%s: the %s header is not documented for %d" % (what, name, status))
    for name in response.get("headers", {}):
        if name.lower() not in headers:
            fail("%s: no %s header" % (what, name))
        else:
            schema = deref(response["headers"][name])["schema"]
            value = headers[name.lower()]
            if schema.get("type") == "integer":
                value = int(value)
            validate(schema, value, "%s header %s" % (what, name))
    if not body:
        return
    schema = response["content"][media]["schema"]
    if media == "application/json":
        validate(schema, json.loads(body), what)
    elif media == "application/x-ndjson":
        for n, line in enumerate(body.decode("utf-8").splitlines()):
            validate({"$ref": "#/components/schemas/BatchLine"}, json.loads(line), "%s line %d" % (what, n + 1))
    if "x-policy-summary" in headers:
        summary = json.loads(urllib.parse.unquote(headers["x-policy-summary"]))
        validate({"$ref": "#/components/schemas/BatchSummary"}, summary, what + " X-Policy-Summary")


def media_of(path):
    return "text/csv" if path == "/v1/batch" else "application/json"


s = Server()
try:
    answered = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            method = method.upper()
            what = "%s %s" % (method, path)
            if method == "GET":
                status, headers, body = s.request("GET", path)
                if path == "/" and status == 404:
                    print("openapi_validate: this build has no page (web/): GET / answers 404")
                elif status != 200:
                    fail("%s answered %d" % (what, status))
                check_answer(path, method, status, headers, body, what)
                answered += 1
                continue
            # POST: each example body must be answered 200 as documented.
            media = media_of(path)
            query = "?as_of=2026-12-07" if path == "/v1/batch" else ""
            for name, value in examples_of(op["requestBody"]["content"][media]):
                body = value.encode("utf-8") if isinstance(value, str) else json.dumps(value, ensure_ascii=False).encode("utf-8")
                status, headers, data = s.request("POST", path + query, body, {"Content-Type": media})
                if status != 200:
                    fail("%s example %s answered %d: %s" % (what, name, status, data[:300]))
                check_answer(path, method, status, headers, data, "%s example %s" % (what, name))
                answered += 1
            if path == "/v1/batch":
                # The example, and a row with an empty cell (unknown).
                roster = (op["requestBody"]["content"][media]["example"] + "2021003,王五,,在校生\n").encode("utf-8")
                for q in ("?as_of=2026-12-07&format=jsonl", "?names=1&lang=en&outputs=reenroll_deadline", "?colour=red",
                          "?format=xml", "?outputs=nope"):
                    status, headers, data = s.request("POST", path + q, roster, {"Content-Type": media})
                    check_answer(path, method, status, headers, data, what + q)
                    answered += 1
            # The refusals every POST can meet.
            refusals = [
                ({"Content-Type": "text/plain"}, b"{}"),
                ({"Content-Type": media, "Content-Encoding": "gzip"}, b"{}"),
                ({"Content-Type": media, "Content-Length": "2000000000"}, None),
                ({"Content-Type": media, "Host": "rebinding.example"}, b"{}"),
                ({"Content-Type": media}, b"{\"nope\": 1}" if media == "application/json" else b"a,b\n1,2\n"),
            ]
            for extra, body in refusals:
                status, headers, data = s.request("POST", path, body, extra)
                check_answer(path, method, status, headers, data, "%s %s" % (what, extra))
                answered += 1
    # Answers that cannot be given, and more bad input.
    for path, body, want in [
        ("/v1/ics", {"facts": {}, "output": "reenroll_deadline"}, 422),
        ("/v1/ics", {"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "output": "retention_period"}, 422),
        ("/v1/calc", {"expr": "date(2025, 2, 30)"}, 422),
        ("/v1/calc", {"expr": "2022-02-28 + "}, 400),
        ("/v1/eval", {"facts": {"discharge_date": "2025/13/01", "入伍时身份": "士兵"}, "outputs": ["nope"]}, 400),
        ("/v1/eval", {"question": "nope", "as_of": "2026-02-30", "explain": "yes", "lang": "fr"}, 400),
        ("/v1/eval", {"facts": {}, "explain": True, "lang": "en"}, 200),
    ]:
        status, headers, data = s.request("POST", path, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                          {"Content-Type": "application/json"})
        if status != want:
            fail("%s %s answered %d, not %d" % (path, body, status, want))
        check_answer(path, "POST", status, headers, data, "%s %s" % (path, body))
        answered += 1
    for path in doc["paths"]:
        status, headers, data = s.request("GET", path, b"x")
        method = "GET" if "get" in doc["paths"][path] else "POST"
        if method == "GET":
            check_answer(path, method, status, headers, data, "GET %s with a body" % path)
        else:  # another method than the path takes: the component response
            if status != 405:
                fail("GET %s answered %d, not 405" % (path, status))
            validate(deref(doc["components"]["responses"]["MethodNotAllowed"])["content"]["application/json"]["schema"],
                     json.loads(data), "GET %s" % path)
    status, headers, data = s.request("GET", "/v1/nothing")
    if status != 404:
        fail("GET /v1/nothing answered %d" % status)
    validate(deref(doc["components"]["responses"]["NotFound"])["content"]["application/json"]["schema"], json.loads(data),
             "GET /v1/nothing")
    # The document served is this file.
    status, headers, data = s.request("GET", "/v1/openapi.json")
    if json.loads(data) != doc:
        fail("GET /v1/openapi.json is not serve/openapi.json")
finally:
    s.stop()

# A server with a token: the operations whose security lists bearerAuth answer 401 without it and
# 200 with it; the others never ask.
with tempfile.NamedTemporaryFile("w", suffix=".token", delete=False) as f:
    f.write("example-token-0123456789abcdef\n")
    token_file = f.name
try:
    s = Server("--token-file", token_file)
    try:
        for path, item in doc["paths"].items():
            for method, op in item.items():
                method = method.upper()
                bearer = any("bearerAuth" in req for req in op.get("security", []))
                media = media_of(path)
                body = None if method == "GET" else b"{}"
                hdrs = {} if method == "GET" else {"Content-Type": media}
                status, headers, data = s.request(method, path, body, hdrs)
                if bearer != (status == 401):
                    fail("%s %s answered %d without the token; documented as %s" %
                         (method, path, status, "needing it" if bearer else "not needing it"))
                check_answer(path, method, status, headers, data, "%s %s without the token" % (method, path))
                if bearer:
                    hdrs["Authorization"] = "Bearer example-token-0123456789abcdef"
                    status, headers, data = s.request(method, path, body, hdrs)
                    if status == 401:
                        fail("%s %s refuses the right token" % (method, path))
                    check_answer(path, method, status, headers, data, "%s %s with the token" % (method, path))
    finally:
        s.stop()
finally:
    os.unlink(token_file)

# A saturated server: 503 with Retry-After, as documented for every operation.
s = Server("--max-connections", "2")
try:
    held = socket.create_connection(("127.0.0.1", s.port))
    held.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    held.recv(4096)
    waiting = socket.create_connection(("127.0.0.1", s.port))
    waiting.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    time.sleep(0.3)
    status, headers, data = s.request("GET", "/v1/facts")
    if status != 503:
        fail("a saturated server answered %d, not 503" % status)
    check_answer("/v1/facts", "GET", status, headers, data, "GET /v1/facts saturated")
    held.close()
    waiting.close()
finally:
    s.stop()

if failures:
    sys.exit("openapi_validate: %d failures" % len(failures))
print("openapi_validate: the document is valid OpenAPI 3.0; %d examples and %d answers of the server conform to it"
      % (checked, answered))

#!/usr/bin/env python3
"""docs/EVENTS.md and docs/API.md against the protos (ctest docs_contract).

  contract_docs.py SOURCE_DIR PROTOC            check (exit 1 listing every problem)
  contract_docs.py SOURCE_DIR PROTOC --update   rewrite the generated blocks of the two documents

The protos are read the way the build reads them: PROTOC (Debian's protoc) compiles proto/ into a
FileDescriptorSet with comments, parsed with python3-protobuf.

Generated blocks (between `<!-- generated:NAME -->` and `<!-- end generated:NAME -->`) must equal what this
script writes now:
  EVENTS.md payloads   every event payload and every type it uses: fields, numbers, types, the protos' comments
  API.md rpc-index     every RPC: request -> response, the roles allowed and the administration scope, as
                       tests/authz/authz_matrix_test.cc (ExpectedMatrix) expects them of the running services
Hand-written parts must name what the protos have and nothing they do not:
  - EVENTS.md: each write service's topic; every event type in the event-types table with its topic; a row
    per EventEnvelope field (with its number), every field of StreamRef and Principal named; every event type
    is folded by its service's code
  - API.md: every RPC described in a list item starting with `Service.Method`
  - both: every `piao.v1.X...` and every backticked CamelCase name (`PlanCreated`, `EventLog.GetHead`,
    `EventEnvelope.global_position`) resolves to a message, enum, service, method, field or enum value.
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    from google.protobuf import descriptor_pb2
except ImportError:  # Debian's python3-protobuf, installed by tools/dev deps
    print("FAIL  python3-protobuf is not installed for this python3: run `tools/dev deps`")
    sys.exit(1)

PACKAGE = "piao.v1"
WRITE_SERVICES = ["planning", "measurement", "risk", "hr"]
# The proto file whose events each write service stores and publishes (services/<service>/main.cc serves them).
EVENT_FILES = {
    "piao/v1/planning.proto": "planning",
    "piao/v1/oiv.proto": "planning",
    "piao/v1/measurement.proto": "measurement",
    "piao/v1/feeds.proto": "measurement",
    "piao/v1/risk.proto": "risk",
    "piao/v1/hr.proto": "hr",
}
# Where each service's code folds its events (non-test sources).
SERVICE_CODE = {
    "planning": ["services/planning", "libs/plan"],
    "measurement": ["services/measurement"],
    "risk": ["services/risk", "libs/risk"],
    "hr": ["services/hr", "libs/hr"],
}
SERVICE_ORDER = ["Planning", "OivActs", "Measurement", "Feeds", "RiskRegistry", "HrCapacity", "EventLog", "Projection",
                 "RiskViews", "HrViews", "OivViews"]
ROLES = ["admin", "planner", "measurer", "feed", "oiv", "rpct", "hr", "service"]  # libs/service/roles.h kAll
SCOPE_TEXT = {"kOneAdministration": "one (the request's)", "kAllAdministrations": "every (`*` grant)",
              "kNone": "none"}
ENVELOPE_MESSAGES = ["EventEnvelope", "StreamRef", "Principal"]
IDENTIFIER_OPTION = b"\xc8\xf3\x18\x01"  # FieldOptions field 51001 (piao.v1.identifier) = true, varint encoded

SCALARS = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool",
    9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64",
}
TYPE_MESSAGE, TYPE_ENUM, LABEL_REPEATED = 11, 14, 3

problems = []


def problem(text):
    problems.append(text)


# ---- the protos ---------------------------------------------------------------------------------------------

class Protos:
    def __init__(self, src, protoc):
        proto_dir = os.path.join(src, "proto")
        files = sorted(os.path.relpath(os.path.join(d, f), proto_dir)
                       for d, _, fs in os.walk(proto_dir) for f in fs if f.endswith(".proto"))
        with tempfile.TemporaryDirectory(prefix="piao-docs-") as tmp:
            out = os.path.join(tmp, "set.pb")
            p = subprocess.run([protoc, "-I", proto_dir, "--include_source_info", "--include_imports",
                                "--descriptor_set_out=" + out] + files, capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"FAIL  {protoc} cannot compile proto/:\n{p.stderr}")
            fds = descriptor_pb2.FileDescriptorSet()
            with open(out, "rb") as f:
                fds.ParseFromString(f.read())
        self.proto_dir = proto_dir
        self.files = {f.name: f for f in fds.file}
        self.messages = {}   # full name -> (DescriptorProto, file name, comment)
        self.enums = {}      # full name -> (EnumDescriptorProto, file name)
        self.services = {}   # short name -> (ServiceDescriptorProto, file name)
        self.extensions = set()  # full names of top-level extensions, e.g. piao.v1.identifier
        self.field_comments = {}  # (message full name, field name) -> comment
        for f in fds.file:
            comments = {tuple(loc.path): (loc.leading_comments or loc.trailing_comments)
                        for loc in f.source_code_info.location}
            trailing = {tuple(loc.path): loc.trailing_comments for loc in f.source_code_info.location}
            leading = {tuple(loc.path): loc.leading_comments for loc in f.source_code_info.location}
            for i, m in enumerate(f.message_type):
                self._add_message(f, m, f.package, (4, i), leading, trailing)
            for i, e in enumerate(f.enum_type):
                self.enums[f"{f.package}.{e.name}"] = (e, f.name)
            for x in f.extension:
                self.extensions.add(f"{f.package}.{x.name}")
            if f.package == PACKAGE:
                for s in f.service:
                    self.services[s.name] = (s, f.name)
            del comments

    def _add_message(self, f, m, scope, path, leading, trailing):
        full = f"{scope}.{m.name}"
        self.messages[full] = (m, f.name, clean_comment(leading.get(path, "")))
        for j, fld in enumerate(m.field):
            p = path + (2, j)
            self.field_comments[(full, fld.name)] = clean_comment(trailing.get(p) or leading.get(p) or "")
        for j, nested in enumerate(m.nested_type):
            self._add_message(f, nested, full, path + (3, j), leading, trailing)
        for e in m.enum_type:
            self.enums[f"{full}.{e.name}"] = (e, f.name)

    def message(self, full):
        return self.messages[full][0]

    def rpcs(self):
        """(service, method, input short name, output short name, server streaming) in SERVICE_ORDER."""
        order = SERVICE_ORDER + sorted(s for s in self.services if s not in SERVICE_ORDER)
        out = []
        for s in order:
            if s not in self.services:
                continue
            for m in self.services[s][0].method:
                out.append((s, m.name, short(m.input_type), short(m.output_type), m.server_streaming))
        return out

    def resolve(self, dotted):
        """True if `dotted` (relative to piao.v1, or fully qualified) names a proto element."""
        parts = dotted.split(".")
        for pkg in ("piao.v1", "piao.projection"):
            pk = pkg.split(".")
            if parts[:len(pk)] == pk:
                parts = parts[len(pk):]
                break
        else:
            pkg = PACKAGE
        if not parts:
            return True
        head = f"{pkg}.{parts[0]}"
        if head in self.extensions:
            return len(parts) == 1
        if pkg == PACKAGE and parts[0] in self.services:
            svc = self.services[parts[0]][0]
            return len(parts) == 1 or (len(parts) == 2 and any(m.name == parts[1] for m in svc.method))
        if head in self.enums:
            e = self.enums[head][0]
            return len(parts) == 1 or (len(parts) == 2 and any(v.name == parts[1] for v in e.value))
        if head not in self.messages:
            return False
        return self._walk_message(head, parts[1:])

    def _walk_message(self, full, rest):
        if not rest:
            return True
        m = self.message(full)
        nested = f"{full}.{rest[0]}"
        if nested in self.messages:
            return self._walk_message(nested, rest[1:])
        if nested in self.enums:
            e = self.enums[nested][0]
            return len(rest) == 1 or (len(rest) == 2 and any(v.name == rest[1] for v in e.value))
        for fld in m.field:
            if fld.name == rest[0]:
                if len(rest) == 1:
                    return True
                if fld.type == TYPE_MESSAGE and fld.type_name.lstrip(".") in self.messages:
                    return self._walk_message(fld.type_name.lstrip("."), rest[1:])
                return False
        return False


def short(type_name):
    name = type_name.lstrip(".")
    return name[len(PACKAGE) + 1:] if name.startswith(PACKAGE + ".") else name


def clean_comment(text):
    return " ".join(text.split())


def md_cell(text):
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("*", "\\*"))


# ---- events -------------------------------------------------------------------------------------------------

def event_sections(protos):
    """{file: [top-level message names declared in its `// ---- events ... ----` sections]}."""
    out = {}
    for rel in EVENT_FILES:
        path = os.path.join(protos.proto_dir, rel)
        section = None
        names = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                marker = re.match(r"^//\s*----\s*(\w+)", line)
                if marker:
                    section = marker.group(1)
                    continue
                decl = re.match(r"^message\s+(\w+)", line)
                if decl and section == "events":
                    names.append(decl.group(1))
        if not names:
            problem(f"{rel}: no message in a `// ---- events ----` section (the events of {EVENT_FILES[rel]})")
        for n in names:
            if f"{PACKAGE}.{n}" not in protos.messages:
                problem(f"{rel}: events-section message {n} not found by protoc")
        out[rel] = names
    return out


def event_types(protos, sections):
    """[(short name, service)]: events-section messages no other events-section message uses as a field."""
    in_sections = {n for names in sections.values() for n in names}
    used = set()
    for n in in_sections:
        for fld in protos.message(f"{PACKAGE}.{n}").field:
            if fld.type == TYPE_MESSAGE:
                used.add(short(fld.type_name))
    return [(n, EVENT_FILES[rel]) for rel, names in sections.items() for n in names if n not in used]


def reachable_types(protos, roots):
    """Messages and enums the roots use, transitively (piao packages only), in first-use order."""
    seen, order, todo = set(roots), [], list(roots)
    while todo:
        full = todo.pop(0)
        for fld in protos.message(full).field:
            if fld.type not in (TYPE_MESSAGE, TYPE_ENUM):
                continue
            t = fld.type_name.lstrip(".")
            if t in protos.messages and protos.message(t).options.map_entry:
                for sub in protos.message(t).field:  # a map: its value type
                    if sub.type in (TYPE_MESSAGE, TYPE_ENUM):
                        t2 = sub.type_name.lstrip(".")
                        if t2.startswith("piao.") and t2 not in seen:
                            seen.add(t2)
                            order.append(t2)
                            if t2 in protos.messages:
                                todo.append(t2)
                continue
            if t.startswith("piao.") and t not in seen:
                seen.add(t)
                order.append(t)
                if t in protos.messages:
                    todo.append(t)
    return order


def field_type(protos, fld):
    def base(f):
        if f.type in (TYPE_MESSAGE, TYPE_ENUM):
            return f"`{short(f.type_name)}`"
        return SCALARS.get(f.type, f"type {f.type}")
    if fld.type == TYPE_MESSAGE:
        entry = protos.messages.get(fld.type_name.lstrip("."))
        if entry and entry[0].options.map_entry:
            k, v = entry[0].field[0], entry[0].field[1]
            return f"map&lt;{base(k)}, {base(v)}&gt;"
    if fld.label == LABEL_REPEATED:
        return f"repeated {base(fld)}"
    if fld.proto3_optional:
        return f"optional {base(fld)}"
    return base(fld)


def message_table(protos, full):
    m, _, comment = protos.messages[full]
    lines = [f"#### `{short(full)}`", ""]
    if comment:
        lines += [md_cell(comment), ""]
    if not m.field:
        return lines + ["(no fields)", ""]
    lines += ["| # | field | type | notes |", "|---|---|---|---|"]
    real_oneofs = {i: o.name for i, o in enumerate(m.oneof_decl)}
    for fld in m.field:
        notes = []
        if fld.HasField("oneof_index") and not fld.proto3_optional:
            notes.append(f"oneof `{real_oneofs[fld.oneof_index]}`")
        if IDENTIFIER_OPTION in fld.options.SerializeToString():
            notes.append("identifier")
        c = protos.field_comments.get((full, fld.name), "")
        if c:
            notes.append(md_cell(c))
        lines.append(f"| {fld.number} | `{fld.name}` | {field_type(protos, fld)} | {'; '.join(notes)} |")
    return lines + [""]


def generate_payloads(protos, types):
    lines = ["<!-- Written by tools/docs/contract_docs.py --update from proto/; the ctest docs_contract fails when",
             "     it differs. Edit the protos' comments, not this block. -->", ""]
    for service in WRITE_SERVICES:
        names = [n for n, s in types if s == service]
        lines += [f"### Payloads on `piao.{service}.events.v1`", ""]
        for n in names:
            lines += message_table(protos, f"{PACKAGE}.{n}")
    roots = [f"{PACKAGE}.{n}" for n, _ in types]
    shared = [t for t in reachable_types(protos, roots) if t not in roots]
    lines += ["### Types used inside the payloads", ""]
    for t in sorted(shared, key=short):
        if t in protos.messages:
            lines += message_table(protos, t)
        else:
            e = protos.enums[t][0]
            lines += [f"#### `{short(t)}`", "", "values: " + ", ".join(f"`{v.name}` = {v.number}" for v in e.value), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ---- the authorization matrix -------------------------------------------------------------------------------

def parse_authz_matrix(path):
    """{"/piao.v1.S/M": (set of roles, scope)} from ExpectedMatrix() in tests/authz/authz_matrix_test.cc."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"//[^\n]*", "", text)
    every = re.search(r"kEveryRole\s*=\s*\{([^}]*)\}", text)
    body = re.search(r"ExpectedMatrix\(\)\s*\{(.*?)\n\s*return m;", text, re.S)
    if not every or not body:
        return None, "kEveryRole or ExpectedMatrix() not found"
    every_roles = set(re.findall(r'"(\w+)"', every.group(1)))
    body = body.group(1)

    # Expand `for (const char* w : {"A", "B"}) { ... std::string("/prefix/") + w ... }` into one copy per name.
    def expand(match):
        var, names, inner = match.group(1), re.findall(r'"(\w+)"', match.group(2)), match.group(3)
        return "\n".join(re.sub(r'std::string\("([^"]*)"\)\s*\+\s*' + var + r"\b", f'"\\g<1>{n}"', inner)
                         for n in names)
    body = re.sub(r"for\s*\(\s*const char\*\s*(\w+)\s*:\s*\{([^}]*)\}\s*\)\s*\{(.*?)\}\s*\n", expand, body,
                  flags=re.S)

    def roles_of(expr):
        expr = expr.strip()
        if expr == "kEveryRole":
            return set(every_roles)
        return set(re.findall(r'"(\w+)"', expr))
    roles_expr = r"(\{[^{}]*\}|kEveryRole)"
    matrix = {}
    for path_, roles in re.findall(r'\bone\(\s*"([^"]+)"\s*,\s*' + roles_expr + r"\s*\)", body):
        matrix[path_] = (roles_of(roles), "kOneAdministration")
    for path_, roles, scope in re.findall(r'\bm\["([^"]+)"\]\s*=\s*\{\s*' + roles_expr + r"\s*,\s*Scope::(\w+)\s*\}",
                                          body):
        matrix[path_] = (roles_of(roles), scope)
    return matrix, ""


def generate_rpc_index(protos, matrix):
    lines = ["<!-- Written by tools/docs/contract_docs.py --update from proto/ and the expectations of",
             "     tests/authz/authz_matrix_test.cc; the ctest docs_contract fails when it differs. -->", "",
             "| RPC | request → response | roles | administration |", "|---|---|---|---|"]
    for s, m, req, resp, streaming in protos.rpcs():
        roles, scope = matrix.get(f"/{PACKAGE}.{s}/{m}", (set(), "?"))
        role_text = "every role" if roles == set(ROLES) else ", ".join(r for r in ROLES if r in roles)
        resp_text = f"stream `{resp}`" if streaming else f"`{resp}`"
        lines.append(f"| `{s}.{m}` | `{req}` → {resp_text} | {role_text} | {SCOPE_TEXT.get(scope, scope)} |")
    return "\n".join(lines) + "\n"


# ---- the documents ------------------------------------------------------------------------------------------

def block_re(name):
    return re.compile(r"(<!-- generated:" + re.escape(name) + r" -->\n)(.*?)(<!-- end generated:" + re.escape(name)
                      + r" -->)", re.S)


def hand_written(text):
    """The document without its generated blocks."""
    return re.sub(r"<!-- generated:(\S+) -->\n.*?<!-- end generated:\1 -->", "", text, flags=re.S)


def check_block(doc_name, text, name, want, update):
    m = block_re(name).search(text)
    if not m:
        problem(f"{doc_name}: no generated block `<!-- generated:{name} -->` ... `<!-- end generated:{name} -->`")
        return text
    if m.group(2) == want:
        return text
    if update:
        return text[:m.start(2)] + want + text[m.end(2):]
    old, new = m.group(2).splitlines(), want.splitlines()
    first = next((i for i in range(min(len(old), len(new))) if old[i] != new[i]), min(len(old), len(new)))
    problem(f"{doc_name}: generated block '{name}' is out of date (first difference at its line {first + 1}: "
            f"document has {old[first] if first < len(old) else '(end)'!r}, protos give "
            f"{new[first] if first < len(new) else '(end)'!r}); run tools/docs/contract_docs.py . /usr/bin/protoc --update")
    return text


def check_names(doc_name, text, protos):
    """Every piao.v1 name and backticked CamelCase name in `text` must exist in the protos."""
    stale = set()
    for m in re.finditer(r"/?\b(piao\.(?:v1|projection)\.[A-Za-z_][\w.]*\w)(?:/(\w+))?", text):
        name = m.group(1) + ("." + m.group(2) if m.group(2) else "")
        if not protos.resolve(name):
            stale.add(name)
    for m in re.finditer(r"`([^`\n]+)`", text):
        token = m.group(1)
        if re.fullmatch(r"[A-Z][a-z0-9]\w*(\.\w+)*", token) and not protos.resolve(token):
            stale.add(token)
    for name in sorted(stale):
        problem(f"{doc_name}: names `{name}`, which is not in the protos (stale or misspelt)")


def section_of(text, heading_pattern):
    """The text from the first heading matching `heading_pattern` to the next heading of the same level."""
    m = re.search(r"^(#+) .*" + heading_pattern + r".*$", text, re.M)
    if not m:
        return None
    level = len(m.group(1))
    end = re.search(r"^#{1," + str(level) + r"} ", text[m.end():], re.M)
    return text[m.start(): m.end() + (end.start() if end else len(text))]


def check_events_doc(src, protos, text, types, sections):
    doc = "docs/EVENTS.md"
    manual = hand_written(text)
    for s in WRITE_SERVICES:
        if f"piao.{s}.events.v1" not in manual:
            problem(f"{doc}: the topic piao.{s}.events.v1 is not named")
    rows = {}
    for m in re.finditer(r"^\|\s*`piao\.v1\.(\w+)`\s*\|([^|\n]*)\|", manual, re.M):
        rows[m.group(1)] = m.group(2)
    for name, service in types:
        if name not in rows:
            problem(f"{doc}: event type piao.v1.{name} (topic piao.{service}.events.v1) has no row "
                    f"| `piao.v1.{name}` | piao.{service}.events.v1 | ... in the event-types table")
        elif f"piao.{service}.events.v1" not in rows[name]:
            problem(f"{doc}: the row of piao.v1.{name} says topic '{rows[name].strip()}', "
                    f"its service publishes it on piao.{service}.events.v1")
    for name in sorted(set(rows) - {n for n, _ in types}):
        problem(f"{doc}: the event-types table lists piao.v1.{name}, which is not an event payload "
                f"(a top-level message of a `// ---- events ----` section)")
    for rel, names in sections.items():
        for n in names:
            if not re.search(r"`(piao\.v1\.)?" + n + r"`", text):
                problem(f"{doc}: {n} ({rel}, events section) is not named")
    envelope = section_of(manual, r"EventEnvelope")
    if envelope is None:
        problem(f"{doc}: no section whose heading names EventEnvelope")
    else:
        # EventEnvelope: one table row `| number | `name` | ...` per field, and no other; StreamRef and
        # Principal: every field named in the section.
        rows = {name: int(num) for num, name in re.findall(r"^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", envelope, re.M)}
        fields = {f.name: f.number for f in protos.message(f"{PACKAGE}.EventEnvelope").field}
        for name, num in fields.items():
            if rows.get(name) != num:
                problem(f"{doc}: the EventEnvelope table has no row | {num} | `{name}` | ..."
                        + (f" (it says {rows[name]})" if name in rows else ""))
        for name in sorted(set(rows) - set(fields)):
            problem(f"{doc}: the EventEnvelope table has a row for `{name}`, which EventEnvelope does not have")
        for msg in ENVELOPE_MESSAGES[1:]:
            for fld in protos.message(f"{PACKAGE}.{msg}").field:
                if not re.search(r"`(" + msg + r"\.)?" + fld.name + r"`", envelope):
                    problem(f"{doc}: the EventEnvelope section does not describe {msg}.{fld.name}")
    # Every event type is folded by its service's code: the table lists what the services really store.
    for name, service in types:
        found = False
        for d in SERVICE_CODE[service]:
            for root, _, files in os.walk(os.path.join(src, d)):
                for fn in files:
                    if fn.endswith((".cc", ".h")) and not fn.endswith(("_test.cc", "_test.h")):
                        with open(os.path.join(root, fn), encoding="utf-8", errors="replace") as f:
                            if re.search(r"\bv1::" + name + r"\b", f.read()):
                                found = True
        if not found:
            problem(f"proto: event type piao.v1.{name} is in an events section, but no code under "
                    f"{', '.join(SERVICE_CODE[service])} mentions v1::{name}")


def check_api_doc(protos, text, matrix):
    doc = "docs/API.md"
    manual = hand_written(text)
    for s, m, *_ in protos.rpcs():
        if not re.search(r"^- `" + s + r"\." + m + r"`", manual, re.M):
            problem(f"{doc}: RPC {s}.{m} is not described (no list item starting - `{s}.{m}` in its service's "
                    f"section)")


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    update = "--update" in sys.argv[1:]
    if len(args) != 2:
        print(__doc__)
        return 2
    src, protoc = os.path.abspath(args[0]), args[1]
    protos = Protos(src, protoc)

    sections = event_sections(protos)
    types = event_types(protos, sections)
    matrix, why = parse_authz_matrix(os.path.join(src, "tests", "authz", "authz_matrix_test.cc"))
    if matrix is None:
        problem(f"tests/authz/authz_matrix_test.cc: cannot read the expected roles ({why}); update "
                f"parse_authz_matrix in tools/docs/contract_docs.py")
        matrix = {}
    rpc_paths = {f"/{PACKAGE}.{s}/{m}" for s, m, *_ in protos.rpcs()}
    for p in sorted(rpc_paths - set(matrix)):
        problem(f"tests/authz/authz_matrix_test.cc: no expectation read for {p} (if ExpectedMatrix() has one, "
                f"update parse_authz_matrix in tools/docs/contract_docs.py)")
    for p in sorted(set(matrix) - rpc_paths):
        problem(f"tests/authz/authz_matrix_test.cc: expects {p}, which no proto service has")

    docs = {"EVENTS.md": ("payloads", generate_payloads(protos, types)),
            "API.md": ("rpc-index", generate_rpc_index(protos, matrix))}
    for doc, (block, want) in docs.items():
        path = os.path.join(src, "docs", doc)
        if not os.path.exists(path):
            problem(f"docs/{doc} does not exist")
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = check_block(f"docs/{doc}", text, block, want, update)
        if update and new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"updated docs/{doc} ({block})")
        text = new
        check_names(f"docs/{doc}", text, protos)
        if doc == "EVENTS.md":
            check_events_doc(src, protos, text, types, sections)
        else:
            check_api_doc(protos, text, matrix)

    n_rpcs = len(rpc_paths)
    if problems:
        print(f"FAIL  {len(problems)} problem(s) in docs/EVENTS.md and docs/API.md against the protos:")
        for p in problems:
            print("  - " + p)
        return 1
    print(f"ok    docs/EVENTS.md and docs/API.md match the protos: {len(types)} event types, {n_rpcs} RPCs, "
          f"roles of every RPC from tests/authz/authz_matrix_test.cc")
    return 0


if __name__ == "__main__":
    sys.exit(main())

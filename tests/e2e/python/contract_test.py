#!/usr/bin/env python3
"""The API contract end to end, from a client generated from proto/ alone (ctest python_contract_e2e).

No project code is used on the client side: the Python stubs are generated at test time from
$PIAO_SOURCE_DIR/proto/piao/v1/*.proto with protoc and grpc_python_plugin into a temporary directory (never
committed), and every request is built here from the fixture files. The only uses of the CLI are
`piao stack up --data DIR` and `piao stack down --data DIR`; the addresses come from DIR/<service>.addr and the
token from DIR/operator.token.

The story (Torino, PIAO 2022 §1.4 "Ratios di bilancio", year 2021):
  1. Planning.AdoptObjectives: the 2021 ratios plan (tests/fixtures/torino-2022/ratios-plan-2021.json), three
     indicators with formulas.
  2. Feeds.SubmitBatch: the accounting feed (accounting-2017-2021.csv through accounting-mapping.csv).
  3. The computed actuals appear in the projection WITHOUT the client calling Feeds.ComputeActuals: the
     measurement service recomputes them by itself (a policy following planning's events and every batch).
     Polled for at most COMPUTED_WITHIN seconds; their values are the administration's published ratios.
  4. Projection.GetScores, GetLineage (back to the feed batch and CSV row) and GetAuditTrail (actors, paging).
  5. The contract's refusals: INVALID_ARGUMENT naming the field, UNAUTHENTICATED without a valid token.

Environment (ctest sets them): PIAO_BIN_DIR (piao and the services), PIAO_SOURCE_DIR (the checkout),
PIAO_PROTOC and PIAO_GRPC_PYTHON_PLUGIN (else protoc / grpc_python_plugin from PATH). Runs with Debian's
/usr/bin/python3 and python3-grpcio (tools/dev deps). PIAO_KEEP_DATA=1 keeps the stack's data directory.
By hand, from the checkout:
  PIAO_BIN_DIR=build-release/bin PIAO_SOURCE_DIR=. /usr/bin/python3 tests/e2e/python/contract_test.py -v
"""
import csv
import hashlib
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

try:
    import grpc
except ImportError:  # a failure, never a skip
    sys.exit("python_contract_e2e: python3-grpcio is missing (Debian package, installed by `tools/dev deps`); "
             "run the test with /usr/bin/python3")

ADMIN = "CCIAA-TO"
YEAR = 2021
OBJECTIVE = "RATIOS"
FORMULA_INDICATORS = ("EQ_GC", "STR_PRIM", "INDEB")
PLAN_FIXTURE = "ratios-plan-2021.json"
FEED_FIXTURE = "accounting-2017-2021.csv"
MAPPING_FIXTURE = "accounting-mapping.csv"
BATCH_ID = FEED_FIXTURE  # what `piao feed import` names a batch by default: the file's name

# The principal of DIR/operator.token, written by `piao stack up` (README.md: `--actor user:local-operator`).
OPERATOR = "user:local-operator"
# The measurement service's own principal when its policy records computed actuals by itself (services/
# measurement's actuals policy). Computations triggered by a SubmitBatch are recorded as the batch's submitter.
MEASUREMENT_POLICY = "svc:measurement-policy"

# The administration's published 2021 ratios: PIAO 2022 of the Camera di commercio di Torino, §1.4 "Ratios di
# bilancio" (../shared/seeds/000_ba243dfdf85d8cc3.txt, the table after "Ratios di bilancio": 126,7 / 114,66 /
# 1,51), the same figures as expected.actuals of tests/fixtures/torino-2022/ratios-plan-2021.json and
# tests/e2e/feed_e2e_test.cc. The chamber computed them from unrounded accounts; the printed items are rounded
# to ±0.005 M€, so the ratio of the printed items may differ by up to 0.04 (feed_e2e_test.cc's tolerance;
# tests/fixtures/torino-2022/README.md, "Accounting feed and ratio plans").
PUBLISHED_2021 = {"EQ_GC": 126.7, "STR_PRIM": 114.66, "INDEB": 1.51}
PRINTED_ROUNDING = 0.04
# With the illustrative targets of the fixture (<= 100 %, >= 105 %, <= 1.5 N.; weights 40/40/20): EQ_GC 126.7
# misses (0), STR_PRIM 114.67 meets (100), INDEB 1.505 misses (0) -> the objective scores 40 (feed_e2e_test.cc).
EXPECTED_GRADES = {"EQ_GC": (0.0, "missed"), "STR_PRIM": (100.0, "met"), "INDEB": (0.0, "missed")}
EXPECTED_OBJECTIVE_SCORE = 40.0

CALL_TIMEOUT = 10.0      # seconds: the deadline of every RPC
COMPUTED_WITHIN = 30.0   # seconds: how long the computed actuals may take to appear after the batch
POLL_EVERY = 0.2

pb = {}  # generated modules by short name ("planning_pb2", "planning_pb2_grpc", ...)


def env_path(name, program):
    """A tool from $name, else from PATH; a missing one fails naming tools/dev deps."""
    value = os.environ.get(name, "")
    if value and not value.endswith("-NOTFOUND"):
        return value
    found = shutil.which(program)
    if found is None:
        sys.exit(f"python_contract_e2e: {program} not found (set {name}, or install it with `tools/dev deps`)")
    return found


def generate_stubs(source_dir, out_dir):
    """protoc + grpc_python_plugin over proto/piao/v1/*.proto into out_dir, then imports the modules."""
    proto_root = os.path.join(source_dir, "proto")
    v1 = os.path.join(proto_root, "piao", "v1")
    protos = sorted(os.path.join("piao", "v1", f) for f in os.listdir(v1) if f.endswith(".proto"))
    protoc = env_path("PIAO_PROTOC", "protoc")
    plugin = env_path("PIAO_GRPC_PYTHON_PLUGIN", "grpc_python_plugin")
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run([protoc, f"-I{proto_root}", f"--python_out={out_dir}", f"--grpc_out={out_dir}",
                    f"--plugin=protoc-gen-grpc={plugin}"] + protos, check=True, cwd=proto_root)
    sys.path.insert(0, out_dir)
    for p in protos:
        base = os.path.splitext(os.path.basename(p))[0]
        for suffix in ("_pb2", "_pb2_grpc"):
            pb[base + suffix] = importlib.import_module(f"piao.v1.{base}{suffix}")


def read_fixture(name):
    with open(os.path.join(os.environ.get("PIAO_SOURCE_DIR", "."), "tests", "fixtures", "torino-2022", name),
              "rb") as f:
        return f.read()


def csv_records(data):
    """(first line of the record, cells) per non-blank record; line 1 is the header (the feed's row numbers)."""
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    end = 0
    for cells in reader:
        start, end = end + 1, reader.line_num
        if any(c.strip() for c in cells):
            yield start, [c.strip() for c in cells]


def new_meta():
    return pb["command_pb2"].CommandMeta(idempotency_key=uuid.uuid4().hex, correlation_id="pyclient:contract")


# ---- the plan file (../shared/domain/SCHEMA.md) as an AdoptObjectivesRequest ----

def target_proto(t):
    plan = pb["plan_pb2"]
    if t["op"] == "by_date":
        return plan.Target(by_date=t["date"])
    if t["op"] == "text":
        return plan.Target(text=t["text"])
    return plan.Target(comparison=plan.Target.Comparison(op=t["op"], value=t["value"], unit=t["unit"]))


def threshold_proto(t):
    plan = pb["plan_pb2"]
    out = plan.Threshold(implied=bool(t.get("implied", False)))
    if "date" in t:
        out.date = t["date"]
    else:
        out.quantity.CopyFrom(plan.Quantity(value=t["value"], unit=t["unit"]))
    return out


def indicator_proto(i):
    plan = pb["plan_pb2"]
    out = plan.IndicatorDefinition(code=i["code"], name=i["name"], flags=i.get("flags") or [],
                                   type=i.get("type") or "", algorithm=i.get("algorithm") or "",
                                   source=i.get("source") or "", formula=i.get("formula") or "",
                                   note=i.get("note") or "", target=target_proto(i["target"]))
    if i.get("weight_pct") is not None:
        out.weight_pct = i["weight_pct"]
    if i.get("threshold") is not None:
        out.threshold.CopyFrom(threshold_proto(i["threshold"]))
    if i.get("baseline") is not None:
        b = i["baseline"]
        if "value" in b:
            out.baseline.quantity.CopyFrom(plan.Quantity(value=b["value"], unit=b["unit"]))
        else:
            out.baseline.date = b["date"]
    return out


def adopt_request(plan_json):
    plan = pb["plan_pb2"]
    req = pb["planning_pb2"].AdoptObjectivesRequest(
        meta=new_meta(), administration=ADMIN, year=plan_json["year"],
        act=plan.Act(text=plan_json["approved"]["act"], date=plan_json["approved"]["date"]),
        effective_date=plan_json["approved"]["date"])
    for o in plan_json["objectives"]:
        obj = req.objectives.add(code=o["code"], level_kind=plan.ObjectiveLevel.Value("OBJECTIVE_LEVEL_" + o["level"].upper()),
                                 title=o["title"],
                                 description=o.get("description") or "", strategic_area=o.get("strategic_area") or "",
                                 parent=o.get("parent") or "", units=o.get("units") or [], owner=o.get("owner") or "",
                                 note=o.get("note") or "")
        if o.get("objective_weight_pct") is not None:
            obj.objective_weight_pct = o["objective_weight_pct"]
        obj.indicators.extend(indicator_proto(i) for i in o["indicators"])
    return req


# ---- the accounting feed (item_code,label,year,amount through item_code,variable,unit) ----

def accounting_rows(feed_bytes, mapping_bytes):
    """[(row, item_code, label, year, amount, variable, unit)] with row = the CSV line (header = 1)."""
    records = list(csv_records(mapping_bytes))
    head = [c.lower() for c in records[0][1]]
    mapping = {r[head.index("item_code")]: (r[head.index("variable")], r[head.index("unit")]) for _, r in records[1:]}
    records = list(csv_records(feed_bytes))
    head = [c.lower() for c in records[0][1]]
    col = {name: head.index(name) for name in ("item_code", "label", "year", "amount")}
    rows = []
    for line, r in records[1:]:
        variable, unit = mapping[r[col["item_code"]]]
        rows.append((line, r[col["item_code"]], r[col["label"]], r[col["year"]], float(r[col["amount"]]), variable,
                     unit))
    return rows


def submit_request(feed_bytes, rows):
    # checksum: the SHA-256 hex of the feed file's bytes. feeds.proto says "of the file (and mapping) bytes" and
    # the service checks only that it is 64 hex digits; `piao feed import` hashes "accounting\n" + file + "\n" +
    # mapping, so this batch and the CLI's of the same file are not recognised as the same batch.
    req = pb["feeds_pb2"].SubmitBatchRequest(meta=new_meta(), administration=ADMIN, batch_id=BATCH_ID,
                                             feed_kind=pb["feeds_pb2"].FEED_KIND_ACCOUNTING, checksum=hashlib.sha256(feed_bytes).hexdigest(),
                                             source=FEED_FIXTURE)
    for line, code, label, year, amount, variable, unit in rows:
        req.values.add(variable=variable, period=year, value=amount, unit=unit, row=line, source_code=code,
                       label=label)
    return req


def value_of(measured):
    """The number of a typed MeasuredValue (its quantity); None when it has none."""
    if measured is None or not measured.HasField("quantity"):
        return None
    return measured.quantity.value


class ContractTest(unittest.TestCase):
    """setUpClass writes (plan, feed) and waits for the computed actuals; the tests read and assert."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="piao_pyclient_")
        cls.addClassCleanup(cls._remove_tmp)
        generate_stubs(os.environ.get("PIAO_SOURCE_DIR", "."), os.path.join(cls.tmp, "stubs"))
        cls.data = os.path.join(cls.tmp, "stack")
        cls.piao = os.path.join(os.environ.get("PIAO_BIN_DIR", "bin"), "piao")
        cls.addClassCleanup(cls._stack_down)
        up = subprocess.run([cls.piao, "stack", "up", "--data", cls.data], capture_output=True, text=True,
                            timeout=120)
        if up.returncode != 0:
            raise RuntimeError(f"piao stack up failed ({up.returncode}):\n{up.stdout}{up.stderr}")
        with open(os.path.join(cls.data, "operator.token")) as f:
            cls.token = f.read().strip()
        cls.channels = []
        cls.planning = pb["planning_pb2_grpc"].PlanningStub(cls._channel("planning"))
        cls.feeds = pb["feeds_pb2_grpc"].FeedsStub(cls._channel("measurement"))
        cls.projection = pb["projection_pb2_grpc"].ProjectionStub(cls._channel("projection"))
        cls.heads = {s: pb["event_log_pb2_grpc"].EventLogStub(cls._channel(s)) for s in ("planning", "measurement")}

        # 1. The plan, built here from the fixture file.
        cls.plan_json = json.loads(read_fixture(PLAN_FIXTURE))
        cls.adopt = adopt_request(cls.plan_json)
        cls.adopted = cls.call(cls.planning.AdoptObjectives, cls.adopt)
        cls.adopt_retry = cls.call(cls.planning.AdoptObjectives, cls.adopt)  # same key: a retry
        cls.plan = cls.call(cls.planning.GetPlan, pb["planning_pb2"].GetPlanRequest(administration=ADMIN, year=YEAR))

        # 2. The accounting feed; 3. its computed actuals, recomputed by the service (no ComputeActuals here).
        cls.feed_bytes = read_fixture(FEED_FIXTURE)
        cls.rows = accounting_rows(cls.feed_bytes, read_fixture(MAPPING_FIXTURE))
        cls.submitted = cls._submit_accounting_feed()
        cls.computed, cls.last_seen = cls._wait_for_computed_actuals()

    @classmethod
    def _remove_tmp(cls):
        if os.environ.get("PIAO_KEEP_DATA") == "1":
            print(f"\npython_contract_e2e: data kept in {cls.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def _stack_down(cls):
        for c in getattr(cls, "channels", []):  # open connections would hold up the services' graceful shutdown
            c.close()
        subprocess.run([cls.piao, "stack", "down", "--data", cls.data], capture_output=True, timeout=120)

    @classmethod
    def _channel(cls, service):
        with open(os.path.join(cls.data, f"{service}.addr")) as f:
            channel = grpc.insecure_channel(f.read().strip())
        cls.channels.append(channel)
        return channel

    @classmethod
    def call(cls, method, request, token=None, timeout=CALL_TIMEOUT):
        """Every call: a deadline, and the operator's bearer token unless another ("" = none) is given."""
        token = cls.token if token is None else token
        metadata = [("authorization", f"Bearer {token}")] if token else None
        return method(request, timeout=timeout, metadata=metadata)

    @classmethod
    def consistency(cls):
        """Read-your-writes: the heads of planning and measurement, which the projection waits for."""
        c = pb["projection_pb2"].Consistency()
        for source, stub in cls.heads.items():
            c.min_positions[source] = cls.call(stub.GetHead, pb["event_log_pb2"].GetHeadRequest()).global_position
        return c

    @classmethod
    def _submit_accounting_feed(cls):
        return cls.call(cls.feeds.SubmitBatch, submit_request(cls.feed_bytes, cls.rows))

    @classmethod
    def history(cls, indicator, timeout=CALL_TIMEOUT):
        req = pb["projection_pb2"].GetIndicatorHistoryRequest(administration=ADMIN, year=YEAR, objective=OBJECTIVE,
                                                             indicator=indicator, consistency=cls.consistency())
        return cls.call(cls.projection.GetIndicatorHistory, req, timeout=timeout)

    @staticmethod
    def current_year_end(history):
        """The year-end actual no later actual corrects (None when there is none)."""
        corrected = {a.corrects for a in history.actuals if a.corrects}
        current = [a for a in history.actuals if a.period == "year-end" and a.actual_id not in corrected]
        return current[-1] if current else None

    @classmethod
    def _wait_for_computed_actuals(cls):
        """({indicator: ActualVersion}, None) once every formula indicator has a computed year-end actual, polling
        the projection's indicator history; (None, what was last seen of each) when COMPUTED_WITHIN passes."""
        deadline = time.monotonic() + COMPUTED_WITHIN
        found, seen = {}, {}
        while True:
            for code in FORMULA_INDICATORS:
                if code in found:
                    continue
                remaining = max(deadline - time.monotonic(), 1.0)
                try:
                    a = cls.current_year_end(cls.history(code, timeout=min(CALL_TIMEOUT, remaining)))
                except grpc.RpcError as e:
                    seen[code] = f"{e.code().name}: {e.details()}"
                    continue
                if a is None:
                    seen[code] = "no year-end actual"
                elif not a.HasField("computation"):
                    seen[code] = f"{a.actual_id} = {value_of(a.value)} by {a.actor}, not computed"
                else:
                    found[code] = a
                    seen[code] = f"{a.actual_id} = {value_of(a.value)} by {a.actor}, computed"
            if len(found) == len(FORMULA_INDICATORS):
                return found, None
            if time.monotonic() >= deadline:
                return None, seen
            time.sleep(POLL_EVERY)

    def need_computed(self):
        if self.computed is None:
            self.fail(f"no computed actuals within {COMPUTED_WITHIN:.0f} s of the batch (see "
                      f"test_03_computed_actuals_appear_without_compute_actuals): {self.last_seen}")
        return self.computed

    def plan_indicators(self):
        return {i["code"]: i for o in self.plan_json["objectives"] for i in o["indicators"]}

    def row_of(self, item_code, year):
        matches = [r for r in self.rows if r[1] == item_code and r[3] == str(year)]
        self.assertEqual(len(matches), 1, f"{item_code} {year} in {FEED_FIXTURE}")
        # The row number as a person counts the file's lines (the header is line 1), independently of the reader.
        lines = [n for n, text in enumerate(self.feed_bytes.decode("utf-8").splitlines(), start=1)
                 if text.startswith(f"{item_code},") and f",{year}," in text]
        self.assertEqual([matches[0][0]], lines, f"{item_code} {year}: the row numbers sent")
        return matches[0]

    def audit(self, **fields):
        req = pb["projection_pb2"].GetAuditTrailRequest(administration=ADMIN, year=YEAR,
                                                       consistency=self.consistency(), **fields)
        return self.call(self.projection.GetAuditTrail, req)

    # ---- 1. planning ----

    def test_01_plan_adopted_and_read_back(self):
        ack = self.adopted.ack
        self.assertEqual(ack.stream, f"plan/{ADMIN}/{YEAR}")
        self.assertGreater(ack.global_position, 0)
        self.assertFalse(ack.duplicate)
        self.assertFalse(ack.unchanged)
        self.assertEqual((self.adopted.objectives_added, self.adopted.indicators_added), (1, 3))
        # The same request with the same idempotency key: the original answer, marked duplicate, nothing written.
        self.assertTrue(self.adopt_retry.ack.duplicate)
        self.assertEqual(self.adopt_retry.ack.global_position, ack.global_position)
        self.assertEqual(self.adopt_retry.indicators_added, 3)

        self.assertEqual(self.plan.version, ack.stream_version)
        self.assertEqual(self.plan.approval.text, self.plan_json["approved"]["act"])
        self.assertEqual(self.plan.approval.date, self.plan_json["approved"]["date"])
        self.assertEqual([o.code for o in self.plan.objectives], [OBJECTIVE])
        got = {i.code: i for i in self.plan.objectives[0].indicators}
        self.assertEqual(sorted(got), sorted(FORMULA_INDICATORS))
        for code, i in self.plan_indicators().items():
            self.assertEqual(got[code].formula, i["formula"], code)
            self.assertEqual(got[code].weight_pct, i["weight_pct"], code)
            self.assertEqual((got[code].target.comparison.op, got[code].target.comparison.value,
                              got[code].target.comparison.unit),
                             (i["target"]["op"], i["target"]["value"], i["target"]["unit"]), code)

    # ---- 2. the feed ----

    def test_02_feed_batch_recorded(self):
        s = self.submitted
        self.assertEqual(s.ack.stream, f"variables/{ADMIN}")
        self.assertGreater(s.ack.global_position, 0)
        self.assertFalse(s.duplicate)
        # 38 items × 5 years less one blank (tests/fixtures/torino-2022/README.md).
        self.assertEqual((s.rows, s.variables, s.values_new, s.values_corrected), (189, 38, 189, 0))

        got = self.call(self.feeds.GetVariables, pb["feeds_pb2"].GetVariablesRequest(administration=ADMIN))
        self.assertEqual(len(got.values), 189)
        self.assertEqual([(b.batch_id, b.feed_kind, b.checksum, b.source, b.rows, b.actor, b.global_position)
                          for b in got.batches],
                         [(BATCH_ID, pb["feeds_pb2"].FEED_KIND_ACCOUNTING, hashlib.sha256(self.feed_bytes).hexdigest(), FEED_FIXTURE, 189,
                           OPERATOR, s.ack.global_position)])
        line, _, label, _, amount, _, _ = self.row_of("SPP10", YEAR)
        pn = [v for v in got.values if v.variable == "patrimonio_netto" and v.period == str(YEAR)]
        self.assertEqual([(v.value, v.unit, v.batch_id, v.row, v.source_code, v.label) for v in pn],
                         [(amount, "M€", BATCH_ID, line, "SPP10", label)])

    # ---- 3. computed actuals, by the service alone ----

    def test_03_computed_actuals_appear_without_compute_actuals(self):
        computed = self.need_computed()
        formulas = {code: i["formula"] for code, i in self.plan_indicators().items()}
        units = {code: i["target"]["unit"] for code, i in self.plan_indicators().items()}
        for code in FORMULA_INDICATORS:
            a = computed[code]
            with self.subTest(indicator=code):
                self.assertEqual(a.computation.formula, formulas[code])
                self.assertEqual(a.computation.plan_version, self.plan.version)
                self.assertEqual(a.value.quantity.unit, units[code])
                self.assertLessEqual(abs(value_of(a.value) - PUBLISHED_2021[code]), PRINTED_ROUNDING,
                                     f"{code}: computed {value_of(a.value)}, published {PUBLISHED_2021[code]}")
                self.assertIn(a.actor, (OPERATOR, MEASUREMENT_POLICY))

    # ---- 4. scores ----

    def test_04_scores_follow_the_computed_actuals(self):
        computed = self.need_computed()
        req = pb["projection_pb2"].GetScoresRequest(administration=ADMIN, year=YEAR, consistency=self.consistency())
        s = self.call(self.projection.GetScores, req)
        self.assertEqual((s.administration, s.year, s.basis_kind, s.period),
                         (ADMIN, YEAR, pb["projection_pb2"].SCORE_BASIS_REVISED, "year-end"))
        self.assertEqual([(o.level_kind, o.code) for o in s.objectives],
                         [(pb["plan_pb2"].OBJECTIVE_LEVEL_STRATEGIC, OBJECTIVE)])
        self.assertEqual(s.objectives[0].level, "strategic")  # wave one's text, still filled in answers
        o = s.objectives[0]
        self.assertAlmostEqual(o.score_pct, EXPECTED_OBJECTIVE_SCORE, places=9)
        self.assertEqual(o.label, "Parzialmente raggiunto")
        self.assertAlmostEqual(s.enterprise_score_pct, EXPECTED_OBJECTIVE_SCORE, places=9)
        weights = {code: i["weight_pct"] for code, i in self.plan_indicators().items()}
        self.assertEqual(sorted(i.code for i in o.indicators), sorted(FORMULA_INDICATORS))
        for i in o.indicators:
            with self.subTest(indicator=i.code):
                self.assertEqual(value_of(i.actual), value_of(computed[i.code].value))
                self.assertEqual((i.grade_pct, i.how), EXPECTED_GRADES[i.code])
                self.assertEqual(i.weight_pct, weights[i.code])

    # ---- 5. lineage ----

    def test_05_lineage_reaches_the_batch_and_the_csv_row(self):
        self.need_computed()
        req = pb["projection_pb2"].GetLineageRequest(administration=ADMIN, year=YEAR, objective=OBJECTIVE,
                                                    indicator="STR_PRIM", consistency=self.consistency())
        l = self.call(self.projection.GetLineage, req)
        self.assertEqual((l.administration, l.year), (ADMIN, YEAR))
        self.assertEqual((l.objective.level_kind, l.objective.code, l.objective.scope),
                         (pb["plan_pb2"].OBJECTIVE_LEVEL_STRATEGIC, OBJECTIVE, ""))
        self.assertAlmostEqual(l.objective_score.score_pct, EXPECTED_OBJECTIVE_SCORE, places=9)
        self.assertEqual((l.indicator.code, l.indicator.grade_pct, l.indicator.how), ("STR_PRIM", 100.0, "met"))
        self.assertTrue(l.HasField("actual"))
        self.assertEqual(l.actual.actual_id, self.computed["STR_PRIM"].actual_id)
        self.assertEqual(len(l.earlier_actuals), 0)

        formula = self.plan_indicators()["STR_PRIM"]["formula"]  # patrimonio_netto / immobilizzazioni * 100
        c = l.actual.computation
        self.assertEqual((c.formula, c.plan_version), (formula, self.plan.version))
        expected_inputs = []
        for variable, item in (("patrimonio_netto", "SPP10"), ("immobilizzazioni", "SPA04")):
            line, code, label, year, amount, _, unit = self.row_of(item, YEAR)
            expected_inputs.append((variable, 0, year, amount, unit, BATCH_ID, line, code, label))
        self.assertEqual(sorted((i.variable, i.lag, i.value.period, i.value.value, i.value.unit, i.value.batch_id,
                                 i.value.row, i.value.source_code, i.value.label) for i in c.inputs),
                         sorted(expected_inputs))
        self.assertAlmostEqual(value_of(l.actual.value), expected_inputs[0][3] / expected_inputs[1][3] * 100,
                               places=9)

        v = l.formula_version
        self.assertEqual((v.change_kind, v.formula, v.act.text, v.effective_date, v.actor),
                         (pb["projection_pb2"].AUDIT_CHANGE_ADOPTED, formula, self.plan_json["approved"]["act"], self.plan_json["approved"]["date"],
                          OPERATOR))
        self.assertEqual([(b.batch_id, b.feed_kind, b.checksum, b.source, b.rows, b.actor, b.global_position)
                          for b in l.batches],
                         [(BATCH_ID, pb["feeds_pb2"].FEED_KIND_ACCOUNTING, hashlib.sha256(self.feed_bytes).hexdigest(), FEED_FIXTURE, 189,
                           OPERATOR, self.submitted.ack.global_position)])

    # ---- 6. audit trail ----

    def test_06_audit_lists_the_adoption_and_the_computed_actuals_with_their_actors(self):
        changes = pb["projection_pb2"].AuditChange
        services = pb["projection_pb2"].SourceService
        trail = self.audit()
        self.assertEqual((trail.administration, trail.year, trail.page, trail.pages), (ADMIN, YEAR, 1, 1))
        self.assertEqual(trail.total, len(trail.entries))
        act = self.plan_json["approved"]["act"]
        adopted = [(e.source_service, e.objective.code, e.actor, e.act.text, e.valid_from, e.global_position)
                   for e in trail.entries if e.change == changes.Value("AUDIT_CHANGE_OBJECTIVE_ADOPTED")]
        self.assertEqual(adopted, [(services.Value("SOURCE_SERVICE_PLANNING"), OBJECTIVE, OPERATOR, act, "2021-01-31",
                                    self.adopted.ack.global_position)])
        indicators = sorted((e.indicator, e.actor, e.act.text) for e in trail.entries
                            if e.change == changes.Value("AUDIT_CHANGE_ADOPTED"))
        self.assertEqual(indicators, sorted((c, OPERATOR, act) for c in FORMULA_INDICATORS))

        computed = self.need_computed()
        actuals = [e for e in trail.entries if e.change == changes.Value("AUDIT_CHANGE_ACTUAL")]
        self.assertEqual(sorted(e.indicator for e in actuals), sorted(FORMULA_INDICATORS))
        for e in actuals:
            code = e.indicator
            with self.subTest(indicator=code):
                a = computed[code]
                self.assertEqual((e.source_service, e.objective.code, e.valid_from, e.global_position),
                                 (services.Value("SOURCE_SERVICE_MEASUREMENT"), OBJECTIVE, f"{YEAR}-12-31",
                                  a.global_position))
                self.assertEqual(e.source, "measurement")  # wave one's text, still filled
                self.assertEqual(value_of(e.to_value.actual), value_of(a.value))
                self.assertIn(e.actor, (OPERATOR, MEASUREMENT_POLICY))
                self.assertEqual(e.actor, a.actor)
        # The changes filter: only the actuals; the services filter: measurement's entries are the actuals.
        only = self.audit(changes=[changes.Value("AUDIT_CHANGE_ACTUAL")])
        self.assertEqual(sorted(e.indicator for e in only.entries), sorted(FORMULA_INDICATORS))
        measured = self.audit(source_services=[services.Value("SOURCE_SERVICE_MEASUREMENT")])
        self.assertEqual({e.indicator for e in measured.entries}, set(FORMULA_INDICATORS))
        self.assertEqual({e.source_service for e in measured.entries}, {services.Value("SOURCE_SERVICE_MEASUREMENT")})

    def test_07_audit_paging(self):
        def key(e):
            return e.source_service, e.global_position, e.change, e.indicator

        full = self.audit()
        self.assertGreaterEqual(full.total, 4)  # the objective and its three indicators, at least
        first = self.audit(page_size=1)
        self.assertEqual((first.total, first.page, first.pages), (full.total, 1, full.total))
        self.assertGreater(first.pages, 1)
        paged = []
        for page in range(1, first.pages + 1):
            p = self.audit(page_size=1, page=page)
            self.assertEqual((p.page, len(p.entries)), (page, 1))
            paged.extend(p.entries)
        self.assertEqual([key(e) for e in paged], [key(e) for e in full.entries])
        self.assertEqual(len(self.audit(page_size=1, page=first.pages + 1).entries), 0)

    # ---- 8. the contract's refusals ----

    def test_08_invalid_argument_names_the_field(self):
        # An identifier with a zero-width space (U+200B) is refused at the door of the write, naming the field.
        bad = submit_request(self.feed_bytes, self.rows)
        bad.batch_id = "pyclient-bad-batch"
        bad.values[5].variable = "patrimonio\u200bnetto"
        with self.assertRaises(grpc.RpcError) as e:
            self.call(self.feeds.SubmitBatch, bad)
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, e.exception.details())
        self.assertIn("values[5].variable", e.exception.details())
        # ... and nothing was written.
        got = self.call(self.feeds.GetVariables, pb["feeds_pb2"].GetVariablesRequest(administration=ADMIN))
        self.assertEqual([b.batch_id for b in got.batches], [BATCH_ID])

        # A query's bad field likewise.
        with self.assertRaises(grpc.RpcError) as e:
            self.audit(valid_from="2021-02-30")
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, e.exception.details())
        self.assertTrue(e.exception.details().startswith("valid_from:"), e.exception.details())

    def test_09_unauthenticated_without_a_valid_token(self):
        get_plan = pb["planning_pb2"].GetPlanRequest(administration=ADMIN, year=YEAR)
        for what, method, request, token in (
                ("no token, a read", self.planning.GetPlan, get_plan, ""),
                ("no token, a write", self.feeds.SubmitBatch, submit_request(self.feed_bytes, self.rows), ""),
                ("an unknown token, a projection query", self.projection.GetScores,
                 pb["projection_pb2"].GetScoresRequest(administration=ADMIN, year=YEAR), "not-a-token")):
            with self.subTest(what):
                with self.assertRaises(grpc.RpcError) as e:
                    self.call(method, request, token=token)
                self.assertEqual(e.exception.code(), grpc.StatusCode.UNAUTHENTICATED, e.exception.details())
        # The same read with the token answers.
        self.assertEqual(self.call(self.planning.GetPlan, get_plan).version, self.plan.version)


if __name__ == "__main__":
    unittest.main(verbosity=2)

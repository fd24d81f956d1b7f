#!/usr/bin/env bash
# Regenerates the seed corpus of grpc_request_fuzz: each file is one byte (the method's index in
# grpc_request_fuzz.cc) followed by a well-formed request, encoded by protoc from the text below; named in
# the order an import sends them, so a replay builds state as it goes.
set -euo pipefail
cd "$(dirname "$0")"
PROTO=../../proto
seed() {  # seed NAME INDEX TYPE TEXT
  printf "\\x$(printf %02x "$2")" > "corpus/$1"
  printf '%s' "$4" | protoc -I"$PROTO" --encode="piao.v1.$3" "$PROTO"/piao/v1/*.proto >> "corpus/$1"
}
rm -f corpus/[0-9]* && mkdir -p corpus  # regression_*: inputs the fuzzer found, kept
META='meta { idempotency_key: "k1" correlation_id: "c1" }'
seed 00_create_plan 0 CreatePlanRequest "$META administration: \"CCIAA-TO\" year: 2022 title: \"PIAO 2022-2024\""
seed 01_adopt_objectives 1 AdoptObjectivesRequest "$META administration: \"CCIAA-TO\" year: 2022
  act { text: \"Deliberazione di Giunta n. 103 del 27/06/2022\" number: \"103\" date: \"2022-06-27\" body: \"Giunta\" }
  objectives { code: \"OS1\" level: \"strategic\" title: \"t\"
    indicators { code: \"k1\" weight_pct: 50 target { comparison { op: \">=\" value: 1 unit: \"N.\" } }
                 threshold { quantity { value: 0.5 unit: \"N.\" } } formula: \"a / b * 100\" targets_by_year { key: 2023 value { by_date: \"2023-12-31\" } } }
    indicators { code: \"k2\" weight_pct: 50 target { by_date: \"2022-12-31\" } } }
  objectives { code: \"OP1\" level: \"operational\" parent: \"OS1\" units: \"U1\"
    indicators { code: \"k1\" target { text: \"fatto\" } } }"
seed 02_apply_revision_act 2 ApplyRevisionActRequest "$META administration: \"CCIAA-TO\" year: 2022
  act { text: \"Deliberazione di Giunta n. 142 del 13/09/2022\" date: \"2022-09-13\" } effective_date: \"2022-09-13\"
  changes { objective { level: \"strategic\" code: \"OS1\" } indicator: \"k1\" kind: \"target\"
    from_json: \"{\\\"op\\\":\\\">=\\\",\\\"value\\\":1,\\\"unit\\\":\\\"N.\\\"}\" to_json: \"{\\\"op\\\":\\\">=\\\",\\\"value\\\":2,\\\"unit\\\":\\\"N.\\\"}\" reason: \"r\" }
  changes { objective { level: \"strategic\" code: \"OS1\" } indicator: \"k2\" kind: \"weight\" from_json: \"50\" to_json: \"50\" reason: \"r\" }"
seed 03_get_plan 3 GetPlanRequest 'administration: "CCIAA-TO" year: 2022'
seed 04_record_actual 4 RecordActualRequest "$META administration: \"CCIAA-TO\" year: 2022
  objective { level: \"strategic\" code: \"OS1\" } indicator: \"k1\" period: \"year-end\" value { quantity { value: 3 unit: \"N.\" } } source: \"s\""
seed 05_submit_batch 6 SubmitBatchRequest "$META administration: \"CCIAA-TO\" batch_id: \"b1\" kind: \"accounting\" checksum: \"00\" source: \"f.csv\"
  values { variable: \"a\" period: \"2022\" value: 2 unit: \"M€\" row: 2 source_code: \"CE01\" label: \"l\" }
  values { variable: \"b\" period: \"2022\" value: 4 unit: \"M€\" row: 3 source_code: \"CE02\" }"
seed 06_compute_actuals 7 ComputeActualsRequest "$META administration: \"CCIAA-TO\" year: 2022"
seed 07_get_variables 8 GetVariablesRequest 'administration: "CCIAA-TO"'
seed 08_define_areas 9 DefineAreasRequest "$META administration: \"CCIAA-TO\" year: 2022 areas { code: \"A\" name: \"Personale\" } areas { code: \"B\" name: \"Contratti\" }"
seed 09_define_process 12 DefineProcessRequest "$META administration: \"CCIAA-TO\" year: 2022
  process { code: \"B.02\" name: \"Affidamenti\" area: \"B\" unit: \"U\" owner: \"Dirigente\" owner_principal: \"user:fuzz\"
    phases { code: \"F1\" name: \"n\" } risk_events { code: \"E1\" description: \"d\" } }"
seed 10_adopt_establishment 18 AdoptEstablishmentRequest "$META administration: \"CCIAA-TO\"
  body { act: \"DM\" act_date: \"2018-02-16\" kind: \"ceiling\" posts { category: \"C\" posts: 3 unit_cost_cents: 2925655 } }"
seed 11_record_staff 19 RecordStaffRequest "$META administration: \"CCIAA-TO\"
  body { employees { id: \"e1\" category: \"C\" unit: \"U\" gender: \"F\" part_time_bp: 10000 movement: \"in_service\" } }"
seed 12_get_head 28 GetHeadRequest ''
seed 13_verify_chain 29 VerifyChainRequest ''

# Hostile assurance ledgers (issue 13): each is exit 2 naming file:line:col, never a floor
# silently weaker than the file says (a second "checks" used to empty the floor and pass).
set(hostile_ledger ${CMAKE_CURRENT_SOURCE_DIR}/ledger)
set(hostile_ledger_verify verify --skip proofs --skip fuzz --skip property --skip conformance
    --assurance-dir ${PROJECT_SOURCE_DIR}/tests/cli/assurance)
apcb_cli_test(hostile_ledger_mutation_score_a_string 2
  "mutation-score-a-string.json:3:21: not a ledger: \"mutation_score\" must be a number >= 0 or null\n"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/mutation-score-a-string.json)
apcb_cli_test(hostile_ledger_negative_seeds 2
  "negative-seeds.json:3:88: not a ledger: \"seeds\" must be a number >= 0\n"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/negative-seeds.json)
apcb_cli_test(hostile_ledger_duplicate_checks_key 2
  "duplicate-checks.json:5:3: duplicate key \"checks\" \\(first at line 2, column 3\\)"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/duplicate-checks.json)
apcb_cli_test(hostile_ledger_misspelled_key 2
  "misspelled-checks.json:2:3: not a ledger: unknown key \"chekcs\"\n"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/misspelled-checks.json)
apcb_cli_test(hostile_ledger_item_not_a_string 2
  "item-not-a-string.json:3:35: not a ledger: a check needs a string \"item\"\n"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/item-not-a-string.json)
apcb_cli_test(hostile_ledger_trailing_comma 2 "trailing-comma.json:3:51: invalid JSON: expected a key after .,., found .}. \\(JSON has no trailing commas\\)"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/trailing-comma.json)
apcb_cli_test(hostile_ledger_control_bytes_are_quoted 2 "control-bytes.json:1:[0-9]+: [^\n]*\\\\x01"
  ${hostile_ledger_verify} --ledger ${hostile_ledger}/control-bytes.json)
apcb_cli_test(hostile_ledger_is_a_directory 2 "ledger: cannot read the ledger: Is a directory"
  ${hostile_ledger_verify} --ledger ${hostile_ledger})

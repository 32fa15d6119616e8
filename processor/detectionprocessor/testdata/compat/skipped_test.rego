package tracee.TST_1

# A *_test.rego file: never loaded (this one would not even parse).
test_hosts if {

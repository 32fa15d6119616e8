package tracee.helpers

# The helper functions Tracee v0.22.6 signatures import as
# data.tracee.helpers. Argument values are in Tracee's parsed forms: flags are
# strings such as "O_WRONLY|O_CREAT", bytes are base64 strings.

get_tracee_argument(arg_name) = value {
	arg := input.args[_]
	arg.name == arg_name
	value := arg.value
}

default is_file_write(flags) = false

is_file_write(flags) {
	flag_set_contains(flags, "o_wronly")
}

is_file_write(flags) {
	flag_set_contains(flags, "o_rdwr")
}

default is_file_read(flags) = false

is_file_read(flags) {
	flag_set_contains(flags, "o_rdonly")
}

is_file_read(flags) {
	flag_set_contains(flags, "o_rdwr")
}

flag_set_contains(flags, flag) {
	contains(lower(flags), flag)
}

default is_elf_file(b64) = false

is_elf_file(b64) {
	startswith(base64.decode(b64), "\u007fELF")
}

package tracee.helpers

# A user helpers file: loaded as helpers, not as a signature, and merged
# with the standard functions of the package.

in_tmp(path) {
	startswith(path, "/tmp/")
}

in_tmp(path) {
	startswith(path, "/var/tmp/")
}

# Sourced by scripts/instructions.sh and scripts/replay-e2e.sh: how both
# count the instructions a Go program executes.

# use_counter: installs valgrind if missing, sets counter to the command that
# runs a program under it (its summary's "I refs:" line on stderr), and has
# Go run without RDTSCP: valgrind 3.19 tells Go's runtime the CPU has it,
# then cannot run it (SIGILL in runtime.cputicks), where Go's fenced RDTSC
# runs.
use_counter() {
	./scripts/need-packages.sh --required valgrind:valgrind
	counter=(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null)
	export GODEBUG=${GODEBUG:+$GODEBUG,}cpu.rdtscp=off
}

# TAP helpers for scripts run inside the rig's host VM.  Sourced.
failed=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
skip()   { echo "ok - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: ok if the command succeeds; on failure show
# its output and the kernel log's tail, so the reason is in the log.
check() {
	desc=$1; shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		echo "$out" | sed 's/^/#   /'
		dmesg | tail -n 20 | sed 's/^/#   dmesg: /'
	fi
}

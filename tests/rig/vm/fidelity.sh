# Sourced by linux.sh: the fidelity report (issue: the x86-64 user ABI in
# a guest as on bare metal).  pvtest, which has just run in the guest
# ($1: its console output), runs again natively on this host VM's own
# kernel; the report prints both sides' counts and every case whose result
# differs.  A difference is accepted only where it is listed below with
# the kernel configuration behind it; any other fails the step, so a
# divergence shows at once.  pvtest's pvisor-only checks skip natively
# ("not under pvisor"): those are not differences of behaviour.
guest_out=$1
./pvtest >/tmp/native-pvtest.out 2>&1
native_rc=$?

# results FILE: "STATE|DESCRIPTION" per pvtest case (ok, not ok, skip).
results() {
	tr -d '\r' <"$1" | sed -nE 's/^(# guest: )?(not ok|ok) [0-9]+ - (.*)$/\2|\3/p' |
		sed -E 's/^ok\|(.*) # SKIP (.*)$/skip|\1 # \2/'
}
results /tmp/native-pvtest.out >/tmp/fid.native
results "$guest_out" >/tmp/fid.guest
count() { echo "$(grep -c "^ok|" "$1") ok, $(grep -c "^not ok|" "$1") not ok, $(grep -c "^skip|" "$1") skipped"; }
echo "# fidelity: pvtest natively on this VM's kernel ($(uname -r), exit $native_rc): $(count /tmp/fid.native)"
echo "# fidelity: pvtest in the pvisor guest: $(count /tmp/fid.guest)"

# Known differences: a description prefix, and why the two kernels differ.
cat >/tmp/fid.known <<'KNOWN'
int $0x80 without IA32 emulation|the host VM's kernel has IA32_EMULATION, the guest's not
iopl(3) fails with ENOSYS|the host VM's kernel has X86_IOPL_IOPERM, the guest's not (Documentation/guest.md)
ioperm() fails with ENOSYS|the host VM's kernel has X86_IOPL_IOPERM, the guest's not
inb from user mode|the host VM's kernel has X86_IOPL_IOPERM, and pvtest's iopl(3) succeeded there
cli from user mode|the host VM's kernel has X86_IOPL_IOPERM, and pvtest's iopl(3) succeeded there
vsyscall|the host VM's kernel has LEGACY_VSYSCALL_NONE, the guest's LEGACY_VSYSCALL_XONLY
reading the vsyscall page|the host VM's kernel has LEGACY_VSYSCALL_NONE, the guest's LEGACY_VSYSCALL_XONLY
a call into the vsyscall page|the host VM's kernel has LEGACY_VSYSCALL_NONE, the guest's LEGACY_VSYSCALL_XONLY
KNOWN

# One line per description that either side has, with both states.
awk -F'|' '
	FILENAME == "/tmp/fid.known" { known[$1] = $2; next }
	FILENAME == "/tmp/fid.native" { d = $2; sub(/ # .*/, "", d); nat[d] = $1; all[d] = 1; if ($2 ~ / # not under pvisor/) pvonly[d] = 1; next }
	{ d = $2; sub(/ # .*/, "", d); gst[d] = $1; all[d] = 1 }
	END {
		new = 0; old = 0
		for (d in all) {
			n = (d in nat) ? nat[d] : "absent"; g = (d in gst) ? gst[d] : "absent"
			if (n == g) continue
			why = ""
			for (k in known) if (index(d, k) == 1) why = known[k]
			if (d in pvonly) why = "a pvisor-only check, skipped natively"
			if (why == "") { new++; printf "# fidelity: DIFFERS: %s: native %s, guest %s\n", d, n, g }
			else { old++; printf "# fidelity: differs (known): %s: native %s, guest %s (%s)\n", d, n, g, why }
		}
		printf "%d %d\n", new, old > "/tmp/fid.sum"
	}' /tmp/fid.known /tmp/fid.native /tmp/fid.guest
read fid_new fid_known </tmp/fid.sum
if [ ! -s /tmp/fid.native ] || [ ! -s /tmp/fid.guest ]; then
	not_ok "fidelity: pvtest gave no results natively or in the guest"
	tail -n 20 /tmp/native-pvtest.out | sed 's/^/#   native: /'
elif [ "$fid_new" = 0 ]; then
	ok "fidelity: pvtest natively on $(uname -r) and in the guest differ only where their kernel configs do ($fid_known cases, named above)"
else
	not_ok "fidelity: $fid_new pvtest cases differ natively and in the guest beyond the kernel configs (DIFFERS above)"
fi

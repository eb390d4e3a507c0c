// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of the Linux guest: the process-level mechanisms a
 * CPL-3 kernel must get right on top of pvisor (system calls, faults
 * turned into signals, page tables under fork and mprotect, threads).
 * Prints TAP; exits non-zero if any test failed.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static int failed, n;

static void result(int ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", ++n, what);
	failed |= !ok;
}

/* Does @fn, run in a child, end it with signal @sig? */
static int killed_by(void (*fn)(void), int sig)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == sig)
		return 1;
	if (WIFSIGNALED(status))
		printf("# the child died of signal %d, not %d\n", WTERMSIG(status), sig);
	else
		printf("# the child exited with %d, not signal %d\n", WEXITSTATUS(status), sig);
	return 0;
}

/* Addresses in volatile variables, so the compiler cannot see them. */
static volatile int *volatile null_ptr = (int *)16;
static volatile unsigned long *volatile kernel_ptr =
	(unsigned long *)0xffffffff81000000UL;

static void touch_null(void)
{
	*null_ptr = 1;
}

static void divide_by_zero(void)
{
	unsigned int q, zero = 0;

	/* In asm: the compiler turns 1 / x into a compare, with no divide. */
	asm volatile("divl %2" : "=a" (q) : "a" (1), "r" (zero) : "rdx");
	printf("%u\n", q);
}

/*
 * #DB from user mode: the trap flag, set by popf, traps after the next
 * instruction.  (Not icebp: QEMU's TCG raises #UD for it in 64-bit mode.)
 */
static void single_step(void)
{
	asm volatile("pushf; orl $0x100, (%rsp); popf; nop");
}

static void write_readonly(void)
{
	char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 1;
}

/* A byte the parent points at before a child writes it. */
static char *victim;

static void write_victim(void)
{
	*victim = 1;
}

static void touch_kernel(void)
{
	(void)*kernel_ptr;
}

static void *thread_fn(void *arg)
{
	return (void *)((long)arg * 2);
}

static int counter;

static void *thread_add(void *arg)
{
	int i;

	for (i = 0; i < 100000; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
	return arg;
}

/*
 * Vector registers belong to each process.  User space chooses AVX from
 * the CPU's own CPUID and XGETBV, whatever the kernel believes; a kernel
 * that saved only the SSE halves on a process switch would hand one
 * process the upper halves of another's ymm registers.  (busybox grep's
 * option string once lost its bytes 16..31 in an AVX2 strcpy that way.)
 */
static int have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) ||
	    !(c & bit_AVX))
		return 0;
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return (lo & 6) == 6;
}

/*
 * Fill ymm7 (or xmm7) with @tag, give the CPU away with sched_yield(),
 * and read it back, @rounds times.  Returns the number of rounds that
 * read back something else.
 */
static int vector_regs_keep(unsigned char tag, int rounds, int avx)
{
	unsigned char in[32], out[32];
	int bad = 0, i;
	long ret;

	memset(in, tag, sizeof(in));
	for (i = 0; i < rounds; i++) {
		memset(out, 0, sizeof(out));
		if (avx)
			asm volatile("vmovdqu (%[in]), %%ymm7\n\t"
				     "syscall\n\t"
				     "vmovdqu %%ymm7, (%[out])\n\t"
				     "vzeroupper"
				     : "=a" (ret)
				     : "a" (SYS_sched_yield), [in] "r" (in),
				       [out] "r" (out)
				     : "rcx", "r11", "xmm7", "memory");
		else
			asm volatile("movdqu (%[in]), %%xmm7\n\t"
				     "syscall\n\t"
				     "movdqu %%xmm7, (%[out])"
				     : "=a" (ret)
				     : "a" (SYS_sched_yield), [in] "r" (in),
				       [out] "r" (out)
				     : "rcx", "r11", "xmm7", "memory");
		bad += ret != 0 || memcmp(in, out, avx ? 32 : 16) != 0;
	}
	return bad;
}

/* Three processes switching back and forth, each with its own ymm7. */
static int vector_regs_per_process(int avx)
{
	int i, status, ok = 1;
	pid_t pid[3];

	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(vector_regs_keep(0x11 * (i + 1), 2000, avx) ? 1 : 0);
	}
	for (i = 0; i < 3; i++)
		ok &= pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
		      WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return ok;
}

/*
 * Protection keys: a CPL-3 kernel's own pages are user pages to the CPU,
 * so a process that denied key 0 in PKRU would fault the guest kernel on
 * its next system call.  PKRU must not be the process's to set: wrpkru
 * raises #UD (SIGILL), and CPUID says the OS has not enabled keys.
 */
static unsigned int cpuid7_ecx(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) ? c : 0;
}

static int have_pku(void)
{
	return cpuid7_ecx() & (1U << 3);
}

static int ospke(void)
{
	return cpuid7_ecx() & (1U << 4);
}

/* Under pvisor the kernel said so at boot ("... kernel on pvisor"). */
/*
 * EFLAGS across a system call: the flags a program may set (NT, AC, ID,
 * DF, and TF, which single-steps through it) come back as it left them,
 * as the CPU's sysret and Linux's iret return path give natively.
 */
#define FLAG_TF	(1UL << 8)
#define FLAG_DF	(1UL << 10)
#define FLAG_NT	(1UL << 14)
#define FLAG_AC	(1UL << 18)
#define FLAG_ID	(1UL << 21)

static volatile unsigned long traps;

static void on_sigtrap(int sig)
{
	(void)sig;
	traps++;
}

/* getpid() with @extra set in EFLAGS; the flags right after it. */
static unsigned long flags_after_syscall(unsigned long extra)
{
	unsigned long before, after, nr = SYS_getpid;

	asm volatile("pushfq; pop %0" : "=r" (before));
	asm volatile("push %[set]; popfq; syscall; pushfq; pop %[after]; push %[old]; popfq"
		     : [after] "=&r" (after), "+a" (nr)
		     : [set] "r" (before | extra), [old] "r" (before)
		     : "rcx", "r11", "memory", "cc");
	return after;
}

static void eflags_across_syscalls(void)
{
	static const struct {
		unsigned long flags;
		const char *name;
	} cases[] = {
		{ FLAG_NT, "NT" }, { FLAG_AC, "AC" }, { FLAG_ID, "ID" },
		{ FLAG_DF, "DF" }, { FLAG_NT | FLAG_AC | FLAG_DF, "NT, AC and DF" },
		{ FLAG_TF, "TF (single-stepped)" }, { FLAG_TF | FLAG_NT, "TF and NT" },
	};
	char what[96];
	unsigned int i;

	signal(SIGTRAP, on_sigtrap);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long got;

		traps = 0;
		got = flags_after_syscall(cases[i].flags);
		if ((got & cases[i].flags) != cases[i].flags)
			printf("# flags after the syscall %#lx, %#lx expected set\n",
			       got, cases[i].flags);
		snprintf(what, sizeof(what), "EFLAGS: %s set across a system call, as left%s",
			 cases[i].name, cases[i].flags & FLAG_TF ? ", with SIGTRAPs" : "");
		result((got & cases[i].flags) == cases[i].flags &&
		       (!(cases[i].flags & FLAG_TF) || traps > 0), what);
	}
	signal(SIGTRAP, SIG_DFL);
}

/*
 * sigreturn to a frame no IRETQ can return to (a non-canonical rip) ends
 * the process with SIGSEGV, as the CPU's #GP on IRETQ does natively.
 */
static void on_sigusr1_bad_rip(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] = 0x8000000000000000UL;
}

static void sigreturn_to_bad_rip(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigusr1_bad_rip, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

/*
 * The CPU number a program reads without a system call: lsl of Linux's
 * CPU-number segment (0x7b), which the vDSO's getcpu uses without RDPID,
 * agrees with the getcpu system call.
 */
static int cpunode_segment_agrees(void)
{
	unsigned int limit = ~0U, cpu = ~0U, node = ~0U;
	unsigned char found;

	asm volatile("lsl %[sel], %[lim]; setz %[ok]"
		     : [lim] "+r" (limit), [ok] "=q" (found) : [sel] "r" (0x7bU));
	if (syscall(SYS_getcpu, &cpu, &node, NULL))
		return 0;
	if (!found || (limit & 0xfff) != cpu || (limit >> 12) != node)
		printf("# lsl 0x7b: %s, limit %#x; getcpu: cpu %u node %u\n",
		       found ? "valid" : "refused", limit, cpu, node);
	return found && (limit & 0xfff) == cpu && (limit >> 12) == node;
}

static int under_pvisor(void)
{
	int size = klogctl(10, NULL, 0), len, found;	/* SIZE_BUFFER */
	char *log = size > 0 ? malloc(size + 1) : NULL;

	if (!log)
		return 0;
	len = klogctl(3, log, size);			/* READ_ALL */
	log[len > 0 ? len : 0] = 0;
	found = strstr(log, "paravirtualized kernel on pvisor") != NULL;
	free(log);
	return found;
}

static void deny_key0_then_syscall(void)
{
	asm volatile("wrpkru" : : "a" (3), "c" (0), "d" (0));
	printf("wrpkru ran, and the kernel survived a system call\n");
	fflush(stdout);
}

/*
 * FS/GS base instructions: the guest kernel does not offer them and so
 * does not reload a base it believes unchanged on a process switch; a
 * process that could run wrgsbase would pass its GS base on to the next.
 */
static void set_gs_base_directly(void)
{
	asm volatile("wrgsbase %0" : : "r" (0x1000UL));
	printf("wrgsbase ran\n");
	fflush(stdout);
}

/* --- ptrace of system calls ------------------------------------------- */

#define SYSCALL_STOP	(SIGTRAP | 0x80)	/* PTRACE_O_TRACESYSGOOD */

/* Wait for the tracee's next stop: its signal, or -1 if it is gone. */
static int next_stop(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	return WSTOPSIG(status);
}

/* Resume with @req (PTRACE_SYSCALL, ...) and wait for a syscall stop. */
static int to_syscall_stop(pid_t pid, int req, struct user_regs_struct *r)
{
	if (ptrace(req, pid, 0, 0) || next_stop(pid) != SYSCALL_STOP)
		return 0;
	return ptrace(PTRACE_GETREGS, pid, 0, r) == 0;
}

/* A child that stops for its tracer, then runs @fn and exits with it. */
static pid_t traced_child(int (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(fn());
	}
	if (pid < 0 || next_stop(pid) != SIGSTOP ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD |
		   PTRACE_O_EXITKILL)) {
		if (pid > 0)
			kill(pid, SIGKILL);
		return -1;
	}
	return pid;
}

/* Let the tracee run to its end; did it exit with 0? */
static int finished_well(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_DETACH, pid, 0, 0))
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("# the tracee ended with status %#x\n", status);
		return 0;
	}
	return 1;
}

static int call_getppid(void)
{
	return syscall(SYS_getppid) == getppid() ? 0 : 1;
}

static int call_getpid_gets_ppid(void)
{
	return syscall(SYS_getpid) == getppid() ? 0 : 1;
}

static int call_dup_bad_fd(void)
{
	long fd = syscall(SYS_dup, 999L);	/* the tracer makes it dup(0) */

	return fd >= 0 && fd != 999 ? 0 : 1;
}

static int call_skipped(void)
{
	return syscall(SYS_getpid) == 42 ? 0 : 1;
}

static int call_emulated(void)
{
	return syscall(SYS_getpid) == 1234 && getpid() != 1234 ? 0 : 1;
}

static int restart_pipe[2];

static void on_sigusr1(int sig)
{
	(void)sig;
}

static int read_restarted(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
	char buf[8] = "";

	sigaction(SIGUSR1, &sa, NULL);
	close(restart_pipe[1]);
	if (read(restart_pipe[0], buf, sizeof(buf)) != 5)
		return 1;
	return strcmp(buf, "again") ? 2 : 0;
}

/* The tracer of read_restarted(): signal it in its read, count entries. */
static int trace_restart(pid_t pid)
{
	struct user_regs_struct r;
	int entries = 0, interrupted = 0, sig, i;

	close(restart_pipe[0]);
	for (i = 0; i < 64; i++) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0))
			break;
		sig = next_stop(pid);
		if (sig < 0)
			break;
		if (sig == SIGUSR1) {		/* the signal-delivery stop */
			if (ptrace(PTRACE_SYSCALL, pid, 0, SIGUSR1) ||
			    next_stop(pid) != SYSCALL_STOP)
				break;
		} else if (sig != SYSCALL_STOP) {
			continue;
		}
		if (ptrace(PTRACE_GETREGS, pid, 0, &r))
			break;
		if (r.orig_rax != SYS_read)
			continue;
		if (r.rax == (unsigned long)-ENOSYS) {		/* an entry */
			if (++entries == 1) {
				ptrace(PTRACE_SYSCALL, pid, 0, 0);
				usleep(100000);
				kill(pid, SIGUSR1);
				if (next_stop(pid) != SYSCALL_STOP ||
				    ptrace(PTRACE_GETREGS, pid, 0, &r))
					break;
				/* the exit of the interrupted read */
				interrupted = r.rax == (unsigned long)-512; /* ERESTARTSYS */
			} else {
				if (write(restart_pipe[1], "again", 5) != 5)
					break;
				close(restart_pipe[1]);
				break;
			}
		}
	}
	if (entries != 2 || !interrupted)
		printf("# %d read entries seen, interrupted exit %s\n", entries,
		       interrupted ? "seen" : "not seen");
	return entries == 2 && interrupted;
}

/*
 * A tracer single-steps its tracee over `syscall` (PTRACE_SINGLESTEP):
 * one step from the instruction before lands on `syscall`, the next
 * lands right after it with the call's result in rax, as natively.
 */
extern const char step_before[], step_syscall[], step_after[];

static __attribute__((noinline)) int step_over_syscall(void)
{
	long ret;

	asm volatile("step_before: nop\n"
		     "step_syscall: syscall\n"
		     "step_after: nop\n"
		     : "=a" (ret) : "a" ((long)SYS_getpid) : "rcx", "r11", "memory");
	return ret == getpid() ? 0 : 3;
}

static int single_step_over_syscall(void)
{
	struct user_regs_struct r;
	pid_t pid = traced_child(step_over_syscall);
	int steps = 0, ok = 0;

	if (pid < 0)
		return 0;
	/* Run to step_before with a breakpoint-free walk: step until there. */
	while (steps < 100000) {
		if (ptrace(PTRACE_GETREGS, pid, 0, &r))
			goto out;
		if (r.rip == (unsigned long)step_before)
			break;
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) || next_stop(pid) != SIGTRAP)
			goto out;
		steps++;
	}
	if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) || next_stop(pid) != SIGTRAP ||
	    ptrace(PTRACE_GETREGS, pid, 0, &r) || r.rip != (unsigned long)step_syscall) {
		printf("# first step: rip %#llx, not step_syscall\n", r.rip);
		goto out;
	}
	if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) || next_stop(pid) != SIGTRAP ||
	    ptrace(PTRACE_GETREGS, pid, 0, &r)) {
		printf("# the step over syscall did not stop with SIGTRAP\n");
		goto out;
	}
	if (r.rip != (unsigned long)step_after || (long)r.rax != pid) {
		printf("# after the step over syscall: rip %#llx (want %p), rax %lld (want %d)\n",
		       r.rip, step_after, (long long)r.rax, pid);
		goto out;
	}
	ok = finished_well(pid);
	pid = -1;
out:
	if (pid > 0)
		kill(pid, SIGKILL), waitpid(pid, NULL, 0);
	return ok;
}

static void ptrace_syscalls(void)
{
	struct user_regs_struct r;
	int ok;
	pid_t pid;

	/* entry and exit stops, the number and the return value */
	pid = traced_child(call_getppid);
	ok = pid > 0;
	while (ok && to_syscall_stop(pid, PTRACE_SYSCALL, &r) &&
	       r.orig_rax != SYS_getppid)
		;
	ok = ok && r.orig_rax == SYS_getppid && r.rax == (unsigned long)-ENOSYS;
	ok = ok && to_syscall_stop(pid, PTRACE_SYSCALL, &r) &&
	     r.orig_rax == SYS_getppid && r.rax == (unsigned long)getpid();
	result(ok && finished_well(pid),
	       "PTRACE_SYSCALL: entry stop, exit stop with the return value");

	/* a new syscall number at entry */
	pid = traced_child(call_getpid_gets_ppid);
	ok = pid > 0;
	while (ok && to_syscall_stop(pid, PTRACE_SYSCALL, &r) &&
	       r.orig_rax != SYS_getpid)
		;
	r.orig_rax = SYS_getppid;
	ok = ok && !ptrace(PTRACE_SETREGS, pid, 0, &r);
	result(ok && finished_well(pid), "PTRACE_SYSCALL: syscall number changed at entry");

	/* a new argument at entry */
	pid = traced_child(call_dup_bad_fd);
	ok = pid > 0;
	while (ok && to_syscall_stop(pid, PTRACE_SYSCALL, &r) &&
	       r.orig_rax != SYS_dup)
		;
	ok = ok && r.rdi == 999;
	r.rdi = 0;
	ok = ok && !ptrace(PTRACE_SETREGS, pid, 0, &r);
	result(ok && finished_well(pid), "PTRACE_SYSCALL: argument changed at entry");

	/* skipped at entry (number -1), return value set at exit */
	pid = traced_child(call_skipped);
	ok = pid > 0;
	while (ok && to_syscall_stop(pid, PTRACE_SYSCALL, &r) &&
	       r.orig_rax != SYS_getpid)
		;
	r.orig_rax = -1;
	ok = ok && !ptrace(PTRACE_SETREGS, pid, 0, &r) &&
	     to_syscall_stop(pid, PTRACE_SYSCALL, &r) &&
	     r.rax == (unsigned long)-ENOSYS;
	r.rax = 42;
	ok = ok && !ptrace(PTRACE_SETREGS, pid, 0, &r);
	result(ok && finished_well(pid),
	       "PTRACE_SYSCALL: syscall skipped (-ENOSYS), return value set at exit");

	/* PTRACE_SYSEMU: stopped at entry, never run, the tracer answers */
	pid = traced_child(call_emulated);
	ok = pid > 0;
	while (ok && to_syscall_stop(pid, PTRACE_SYSEMU, &r) &&
	       r.orig_rax != SYS_getpid)
		;
	ok = ok && r.orig_rax == SYS_getpid;
	r.rax = 1234;
	ok = ok && !ptrace(PTRACE_SETREGS, pid, 0, &r);
	result(ok && finished_well(pid), "PTRACE_SYSEMU: the tracer emulates getpid");

	/* restart after a signal, as the tracer sees it */
	ok = pipe(restart_pipe) == 0;
	pid = ok ? traced_child(read_restarted) : -1;
	ok = pid > 0 && trace_restart(pid);
	result(ok && finished_well(pid),
	       "ptrace: a read interrupted by a signal exits with -ERESTARTSYS and is restarted");
}

/*
 * I/O ports.  The guest kernel is built without iopl() and ioperm()
 * (CONFIG_X86_IOPL_IOPERM off: pvisor has no I/O ports to give a guest
 * process, Documentation/guest.md): both fail with ENOSYS, and a port
 * access or cli from user mode is #GP, SIGSEGV, as on a native kernel
 * with the same config.
 */
static void port_in(void)
{
	asm volatile("inb $0x80, %%al" : : : "eax");
}

static void user_cli(void)
{
	asm volatile("cli");
}

static void io_ports(void)
{
	result(syscall(SYS_iopl, 3) == -1 && errno == ENOSYS,
	       "iopl(3) fails with ENOSYS (no I/O ports for processes)");
	result(syscall(SYS_ioperm, 0x80, 1, 1) == -1 && errno == ENOSYS,
	       "ioperm() fails with ENOSYS (no I/O ports for processes)");
	result(killed_by(port_in, SIGSEGV), "inb from user mode: SIGSEGV");
	result(killed_by(user_cli, SIGSEGV), "cli from user mode: SIGSEGV");
}

/* The first line of /proc/self/maps that names @what, in @line. */
static int maps_line(const char *what, char *line, int size)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f && !found && fgets(line, size, f))
		found = strstr(line, what) != NULL;
	if (f)
		fclose(f);
	return found;
}

/*
 * The legacy vsyscall page, in the guest's configured mode (execute-only,
 * the upstream default; Debian's stock kernel has none): a call to one of its three entries is emulated by the
 * kernel's page-fault handler, anything else there is SIGSEGV.
 */
#define VSYSCALL	0xffffffffff600000UL

static void read_vsyscall(void)
{
	(void)*(volatile char *)VSYSCALL;
}

static void call_vsyscall_misaligned(void)
{
	((long (*)(void))(VSYSCALL + 0x100))();
}

static void vsyscalls(void)
{
	long (*v_gettimeofday)(struct timeval *, void *) = (void *)VSYSCALL;
	long (*v_time)(long *) = (void *)(VSYSCALL + 0x400);
	long (*v_getcpu)(unsigned int *, unsigned int *, void *) =
		(void *)(VSYSCALL + 0x800);
	unsigned int cpu = 99, node = 99;
	struct timeval tv, now;
	long t, t_now;
	char line[256];
	int ok;

	/*
	 * A kernel built with LEGACY_VSYSCALL_NONE (Debian's stock one, where
	 * the fidelity report runs this natively) has no page to call.
	 */
	if (!maps_line("[vsyscall]", line, sizeof(line))) {
		printf("ok %d - vsyscalls # SKIP this kernel has no vsyscall page (vsyscall=none)\n",
		       ++n);
		return;
	}

	ok = v_gettimeofday(&tv, NULL) == 0;
	gettimeofday(&now, NULL);
	result(ok && now.tv_sec - tv.tv_sec <= 1 && now.tv_sec >= tv.tv_sec,
	       "vsyscall gettimeofday is emulated and agrees with gettimeofday()");
	t = v_time(&t_now);
	result(t == t_now && time(NULL) - t <= 1, "vsyscall time is emulated");
	result(v_getcpu(&cpu, &node, NULL) == 0 && cpu == (unsigned int)sched_getcpu() &&
	       node == 0, "vsyscall getcpu is emulated");
	result(killed_by(read_vsyscall, SIGSEGV),
	       "reading the vsyscall page: SIGSEGV (execute-only)");
	result(killed_by(call_vsyscall_misaligned, SIGSEGV),
	       "a call into the vsyscall page off its entries: SIGSEGV");
}

/* The vDSO's [start, end) from /proc/self/maps. */
static int vdso_range(unsigned long *start, unsigned long *end)
{
	char line[256];

	return maps_line("[vdso]", line, sizeof(line)) &&
	       sscanf(line, "%lx-%lx", start, end) == 2;
}

/* A symbol of the vDSO mapped at @base, from its section headers. */
static void *vdso_symbol(unsigned long base, const char *name)
{
	const Elf64_Ehdr *eh = (const void *)base;
	const Elf64_Shdr *sh = (const void *)(base + eh->e_shoff);
	unsigned int i, j;

	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym = (const void *)(base + sh[i].sh_offset);
		const char *str;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		for (j = 0; j < sh[i].sh_size / sizeof(*sym); j++)
			if (!strcmp(str + sym[j].st_name, name))
				return (void *)(base + sym[j].st_value);
	}
	return NULL;
}

/*
 * mremap() of the vDSO, in a child (the C library keeps pointers into
 * it): to another address at its own size it moves, the kernel follows
 * (/proc/self/maps names the new place) and its getcpu works there; to
 * grow it the kernel refuses with EFAULT (VM_DONTEXPAND).  Exit status: 0
 * or the number of the step that failed.
 */
static int vdso_moves(void)
{
	unsigned long start, end, moved;
	long (*getcpu_fn)(unsigned int *, unsigned int *, void *);
	unsigned int cpu = 99;
	cpu_set_t cpu0;
	void *to;

	/* On CPU 0, so getcpu has one right answer (natively, SMP). */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (!vdso_range(&start, &end) || sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return 1;
	to = mmap(NULL, 2 * (end - start), PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (to == MAP_FAILED)
		return 2;
	if (mremap((void *)start, end - start, end - start + 4096,
		   MREMAP_MAYMOVE | MREMAP_FIXED, to) != MAP_FAILED || errno != EFAULT)
		return 3;
	if (mremap((void *)start, end - start, end - start,
		   MREMAP_MAYMOVE | MREMAP_FIXED, to) != to)
		return 4;
	if (!vdso_range(&moved, &end) || moved != (unsigned long)to)
		return 5;
	getcpu_fn = vdso_symbol(moved, "__vdso_getcpu");
	if (!getcpu_fn || getcpu_fn(&cpu, NULL, NULL) != 0 || cpu != 0)
		return 6;
	return 0;
}

static void vdso_mremap(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(vdso_moves());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("# vdso mremap child: %s %d\n",
		       pid > 0 && WIFEXITED(status) ? "failed at step" : "died, status",
		       pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : status);
		result(0, "mremap of the vDSO: moves at its size, cannot grow (EFAULT), works where it went");
		return;
	}
	result(1, "mremap of the vDSO: moves at its size, cannot grow (EFAULT), works where it went");
}

/*
 * System call numbers as the 64-bit entry reads them: the low 32 bits of
 * rax, as a signed int, an x32 number (bit 30) refused without x32
 * support, anything at or past the table ENOSYS.  Each number is called
 * many times through `syscall`, in a loop timed for the report; `int
 * $0x80` has no gate without IA32 emulation (this config): SIGSEGV.
 */
static long raw_syscall0(unsigned long nr)
{
	long ret;

	asm volatile("syscall" : "=a" (ret) : "a" (nr) : "rcx", "r11", "memory");
	return ret;
}

static void int80(void)
{
	asm volatile("int $0x80" : : "a" (39UL) : "memory");
}

static void odd_syscall_numbers(void)
{
	static const struct {
		unsigned long nr;
		long want;	/* 1: getpid(), 2: getuid(), else the errno */
	} calls[] = {
		{ 39, 1 },
		{ (1UL << 32) | 39, 1 },		/* high half ignored */
		{ 0xdeadbeef00000000UL | 102, 2 },
		{ 0x40000000UL | 39, -ENOSYS },		/* x32 getpid */
		{ 0x40000000UL | 102, -ENOSYS },
		{ 0x7fffffffUL, -ENOSYS },
		{ 0x80000000UL, -ENOSYS },		/* negative as an int */
		{ 0xffffffffUL, -ENOSYS },
		{ ~0UL, -ENOSYS },
		{ 512, -ENOSYS },
		{ 1000, -ENOSYS },
		{ 0x8000000000000000UL | 39, 1 },
	};
	long pid = getpid(), uid = getuid();
	struct timespec t0, t1;
	unsigned int i, round, bad = 0;
	const unsigned int rounds = 2000;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < rounds; round++)
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			long want = calls[i].want == 1 ? pid :
				    calls[i].want == 2 ? uid : calls[i].want;
			long got = raw_syscall0(calls[i].nr);

			if (got != want && bad++ < 4)
				printf("# syscall %#lx returned %ld, not %ld\n",
				       calls[i].nr, got, want);
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# odd system call numbers: %u calls, %ld ns each\n",
	       rounds * (unsigned int)(sizeof(calls) / sizeof(calls[0])),
	       ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec) /
	       (long)(rounds * (sizeof(calls) / sizeof(calls[0]))));
	result(!bad, "24000 system calls with odd numbers (high bits, x32, out of range) answer as the 64-bit entry defines");
	result(killed_by(int80, SIGSEGV), "int $0x80 without IA32 emulation: SIGSEGV");
}

static sigjmp_buf jb;

static void on_segv(int sig)
{
	siglongjmp(jb, sig);
}

/*
 * Copy-on-write, then reuse in place: once the child has its copy, the
 * parent is the page's only user and writes it without copying.  The
 * child's kernel read the page before the copy (write(2) from it), so a
 * translation of the old page left anywhere, in the child's user or
 * kernel view, would show the parent's write.
 */
static int cow_then_reuse(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int to_child[2], to_parent[2], ok, st;
	char got[2];
	pid_t pid;

	if (p == MAP_FAILED || pipe(to_child) || pipe(to_parent))
		return 0;
	strcpy(p, "before");
	pid = fork();
	if (pid == 0) {
		ok = write(to_parent[1], p, 1) == 1;	/* the kernel reads it */
		*(volatile char *)p = 'c';		/* the copy */
		ok &= read(to_child[0], got, 1) == 1;	/* the parent wrote */
		ok &= write(to_parent[1], p, 2) == 2;
		_exit(ok && p[0] == 'c' && p[1] == 'e' ? 0 : 1);
	}
	ok = read(to_parent[0], got, 1) == 1 && got[0] == 'b';
	p[0] = 'P';
	p[1] = 'Q';
	ok &= write(to_child[1], "x", 1) == 1;
	ok &= read(to_parent[0], got, 2) == 2 && got[0] == 'c' && got[1] == 'e';
	ok &= waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st);
	ok &= p[0] == 'P' && p[1] == 'Q';
	munmap(p, 4096);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	return ok;
}

int main(void)
{
	int status, fds[2], i;
	char buf[64], *p;
	pid_t pid;
	void *ret;
	pthread_t t[4];
	struct sigaction sa = { .sa_handler = on_segv };
	const char *fsgs = "FS/GS base instructions are SIGILL: no base set behind the kernel";
	const char *pkeys;

	/* A line at a time: a crash must not take the lines before it. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	result(syscall(SYS_getpid) == getpid() && getpid() > 1, "getpid");

	/* fork, exit, wait */
	pid = fork();
	if (pid == 0)
		_exit(42);
	result(pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 42,
	       "fork, exit code through wait");

	/* exec */
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(99);
	}
	result(pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 7, "fork and exec");

	/* faults become signals */
	result(killed_by(touch_null, SIGSEGV), "SIGSEGV on a NULL write");
	result(killed_by(divide_by_zero, SIGFPE), "SIGFPE on divide by zero");
	result(killed_by(single_step, SIGTRAP), "SIGTRAP on a single step (#DB)");
	result(killed_by(write_readonly, SIGSEGV),
	       "SIGSEGV on a write to a read-only mapping");
	result(killed_by(touch_kernel, SIGSEGV),
	       "SIGSEGV on a user read of kernel memory");

	/* a handled SIGSEGV returns through sigreturn */
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(jb, 1) == 0) {
		touch_null();
		result(0, "SIGSEGV handler runs and longjmps out");
	} else {
		result(1, "SIGSEGV handler runs and longjmps out");
	}
	signal(SIGSEGV, SIG_DFL);

	/* mmap, mprotect, munmap */
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < (1 << 20); i += 4096)
		p[i] = (char)i;
	status = 1;
	for (i = 0; i < (1 << 20); i += 4096)
		status &= p[i] == (char)i;
	result(p != MAP_FAILED && status, "mmap 1 MiB, write and read back");
	result(mprotect(p, 4096, PROT_READ) == 0, "mprotect to read-only");
	victim = p;
	result(killed_by(write_victim, SIGSEGV), "mprotect'ed page faults on write");
	result(munmap(p, 1 << 20) == 0, "munmap");
	victim = p + 8192;
	result(killed_by(write_victim, SIGSEGV), "unmapped memory faults");

	/* copy-on-write after fork */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(p, "parent");
	pid = fork();
	if (pid == 0) {
		strcpy(p, "child");
		_exit(strcmp(p, "child") ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	result(WIFEXITED(status) && !WEXITSTATUS(status) && !strcmp(p, "parent"),
	       "copy-on-write: child and parent see their own page");
	result(cow_then_reuse(),
	       "copy-on-write, then the parent writes the page in place: the child sees only its copy");

	/* threads */
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_fn, (void *)(long)i);
	status = 1;
	for (i = 0; i < 4; i++)
		status &= !pthread_join(t[i], &ret) && (long)ret == 2 * i;
	result(status, "four threads (clone) return their results");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_add, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	result(counter == 400000, "threads share memory (atomic counter)");

	/* pipes */
	status = pipe(fds) == 0;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(write(fds[1], "through the pipe", 17) == 17 ? 0 : 1);
	}
	close(fds[1]);
	memset(buf, 0, sizeof(buf));
	status &= read(fds[0], buf, sizeof(buf)) == 17;
	waitpid(pid, NULL, 0);
	result(status && !strcmp(buf, "through the pipe"), "pipe between processes");

	/* vector registers across process switches */
	i = have_avx();
	result(vector_regs_per_process(i),
	       i ? "ymm registers are each process's own (AVX)" :
		   "xmm registers are each process's own (no AVX here)");

	/* protection keys; natively skipped under the same names */
	pkeys = have_pku() ? "protection keys are off: wrpkru is SIGILL, CPUID OSPKE clear" :
			     "protection keys are off (no PKU here)";
	if (!under_pvisor()) {
		printf("ok %d - %s # SKIP not under pvisor (a native kernel may use them)\n",
		       ++n, pkeys);
	} else if (have_pku()) {
		status = !ospke();
		if (!status)
			printf("# CPUID says the OS enabled protection keys\n");
		status &= killed_by(deny_key0_then_syscall, SIGILL);
		result(status, pkeys);
	}
	else
		result(!ospke(), pkeys);

	/* FS/GS base instructions */
	if (!under_pvisor())
		printf("ok %d - %s # SKIP not under pvisor (a native kernel may enable them)\n",
		       ++n, fsgs);
	else
		result(killed_by(set_gs_base_directly, SIGILL), fsgs);

	eflags_across_syscalls();
	ptrace_syscalls();
	result(cpunode_segment_agrees(),
	       "the CPU-number segment (lsl 0x7b, the vDSO's getcpu) agrees with getcpu()");
	result(killed_by(sigreturn_to_bad_rip, SIGSEGV),
	       "sigreturn to a non-canonical rip: SIGSEGV, the kernel survives");
	result(single_step_over_syscall(),
	       "PTRACE_SINGLESTEP over syscall: one step, lands after it with the result");
	odd_syscall_numbers();
	io_ports();
	vsyscalls();
	vdso_mremap();

	/* /proc */
	i = open("/proc/self/status", O_RDONLY);
	status = i >= 0 && read(i, buf, sizeof(buf) - 1) > 0;
	buf[sizeof(buf) - 1] = 0;
	result(status && strstr(buf, "Name:"), "/proc/self/status");

	printf("1..%d\n", n);
	return failed;
}

#!/bin/sh
# The "configure" workload of tests/rig/guest/pvbench.c: probing in the
# manner of an autoconf configure script, run with busybox sh in the
# current directory, which it leaves as it found it.  Fixed and
# deterministic: it probes a made-up system (headers and a libc symbol list
# it writes first) for headers, functions and type sizes, writing each
# test program with cat, "preprocessing" and "compiling" it with sed, cat
# and grep, turning names into macros with sed and tr in command
# substitutions, and then writes config.h and five Makefiles as
# config.status does.  Per run: about 660 fork+exec of small tools (cat,
# sed, grep, rm, tr, expr) and 170 forks without an exec (subshells,
# builtins in pipelines).
#
# The tools are called by absolute path, as autoconf's AC_PROG_SED and
# AC_PROG_GREP leave them in $SED and $GREP: busybox sh would otherwise
# run some applets inside the shell or in a child without an exec, and
# the point is the fork+exec.  Progress goes to config.log, as with
# configure --quiet, so the console costs nothing.
set -e
PATH=/bin
LC_ALL=C
export PATH LC_ALL
CAT=/bin/cat GREP=/bin/grep SED=/bin/sed TR=/bin/tr EXPR=/bin/expr
RM=/bin/rm MKDIR=/bin/mkdir SORT=/bin/sort WC=/bin/wc

$RM -rf conf.d
$MKDIR -p conf.d/include/sys conf.d/lib conf.d/src conf.d/tests conf.d/doc
cd conf.d
exec 5>config.log
checking() { printf 'checking %s... ' "$*" >&5; }
result() { echo "$*" >&5; }

# --- The system being probed: its headers and what its libc defines.
$CAT >include/stdio.h <<'EOF'
typedef struct _FILE FILE;
int printf(const char *, ...);
int fprintf(FILE *, const char *, ...);
int snprintf(char *, unsigned long, const char *, ...);
int vasprintf(char **, const char *, void *);
FILE *fopen(const char *, const char *);
FILE *fmemopen(void *, unsigned long, const char *);
int fclose(FILE *);
char *fgets(char *, int, FILE *);
long getline(char **, unsigned long *, FILE *);
EOF
$CAT >include/stdlib.h <<'EOF'
void *malloc(unsigned long);
void *calloc(unsigned long, unsigned long);
void *realloc(void *, unsigned long);
void *reallocarray(void *, unsigned long, unsigned long);
void free(void *);
char *getenv(const char *);
int setenv(const char *, const char *, int);
int mkstemp(char *);
char *realpath(const char *, char *);
long strtol(const char *, char **, int);
unsigned long long strtoull(const char *, char **, int);
int posix_memalign(void **, unsigned long, unsigned long);
EOF
$CAT >include/string.h <<'EOF'
void *memcpy(void *, const void *, unsigned long);
void *memmem(const void *, unsigned long, const void *, unsigned long);
char *strdup(const char *);
char *strndup(const char *, unsigned long);
unsigned long strlcpy(char *, const char *, unsigned long);
char *strchrnul(const char *, int);
char *strsignal(int);
EOF
$CAT >include/unistd.h <<'EOF'
#include <sys/types.h>
int close(int);
ssize_t read(int, void *, size_t);
ssize_t pread(int, void *, size_t, off_t);
int pipe2(int *, int);
int dup3(int, int, int);
pid_t fork(void);
int execve(const char *, char *const *, char *const *);
int getentropy(void *, size_t);
int fsync(int);
int fdatasync(int);
long sysconf(int);
EOF
$CAT >include/fcntl.h <<'EOF'
#include <sys/types.h>
int open(const char *, int, ...);
int openat(int, const char *, int, ...);
int posix_fallocate(int, off_t, off_t);
int posix_fadvise(int, off_t, off_t, int);
EOF
$CAT >include/sys/types.h <<'EOF'
typedef long ssize_t; /* 8 */
typedef unsigned long size_t; /* 8 */
typedef long off_t; /* 8 */
typedef int pid_t; /* 4 */
typedef unsigned int uid_t; /* 4 */
typedef long time_t; /* 8 */
typedef unsigned long dev_t; /* 8 */
typedef unsigned int mode_t; /* 4 */
EOF
$CAT >include/sys/stat.h <<'EOF'
#include <sys/types.h>
int fstatat(int, const char *, void *, int);
int mkdirat(int, const char *, mode_t);
int futimens(int, const void *);
EOF
$CAT >include/sys/mman.h <<'EOF'
#include <sys/types.h>
void *mmap(void *, size_t, int, int, int, off_t);
int munmap(void *, size_t);
int mremap(void *, size_t, size_t, int, ...);
int madvise(void *, size_t, int);
int memfd_create(const char *, unsigned int);
EOF
$CAT >include/sys/wait.h <<'EOF'
#include <sys/types.h>
pid_t waitpid(pid_t, int *, int);
int waitid(int, int, void *, int);
EOF
$CAT >include/signal.h <<'EOF'
int sigaction(int, const void *, void *);
int sigprocmask(int, const void *, void *);
int kill(int, int);
EOF
$CAT >include/time.h <<'EOF'
#include <sys/types.h>
int clock_gettime(int, void *);
int nanosleep(const void *, void *);
time_t timegm(void *);
EOF
$CAT >include/poll.h <<'EOF'
int poll(void *, unsigned long, int);
int ppoll(void *, unsigned long, const void *, const void *);
EOF
$CAT >include/dirent.h <<'EOF'
typedef struct _DIR DIR;
DIR *opendir(const char *);
DIR *fdopendir(int);
int closedir(DIR *);
EOF
$CAT >include/pthread.h <<'EOF'
int pthread_create(void *, const void *, void *(*)(void *), void *);
int pthread_setname_np(unsigned long, const char *);
int pthread_mutex_lock(void *);
EOF
$CAT >include/locale.h <<'EOF'
char *setlocale(int, const char *);
EOF
$CAT >include/stdint.h <<'EOF'
typedef unsigned long uintptr_t; /* 8 */
EOF
$CAT >include/errno.h <<'EOF'
extern int errno;
EOF
$CAT >include/limits.h <<'EOF'
EOF
# Declared in a header but not in the library: the link fails (strlcpy,
# reallocarray, vasprintf, pthread_setname_np, timegm, waitid).
$CAT >lib/libc.syms <<'EOF'
printf
fprintf
snprintf
fopen
fmemopen
fclose
fgets
getline
malloc
calloc
realloc
free
getenv
setenv
mkstemp
realpath
strtol
strtoull
posix_memalign
memcpy
memmem
strdup
strndup
strchrnul
strsignal
close
read
pread
pipe2
dup3
fork
execve
getentropy
fsync
fdatasync
sysconf
open
openat
posix_fallocate
posix_fadvise
fstatat
mkdirat
futimens
mmap
munmap
mremap
madvise
memfd_create
waitpid
sigaction
sigprocmask
kill
clock_gettime
nanosleep
poll
ppoll
opendir
fdopendir
closedir
pthread_create
pthread_mutex_lock
setlocale
EOF
: >confdefs.h

# ac_cpp: "preprocess" conftest.c into conftest.i: every header it
# includes (and each one those include) must exist, and goes in first.
ac_cpp() {
	: >conftest.i
	for h in $($SED -n 's/^#include <\(.*\)>$/\1/p' conftest.c); do
		test -f "include/$h" || return 1
		for s in $($SED -n 's/^#include <\(.*\)>$/\1/p' "include/$h"); do
			$CAT "include/$s" >>conftest.i
		done
		$CAT "include/$h" >>conftest.i
	done
	$CAT conftest.c >>conftest.i
}
# ac_compile FUNC: the function FUNC must be declared by what conftest.c
# includes.
ac_compile() {
	ac_cpp || return 1
	$GREP -q "[ *]$1(" conftest.i
}
# ac_link FUNC: and the library must define it.
ac_link() {
	ac_compile "$1" || return 1
	$GREP -qx "$1" lib/libc.syms
}
# as_tr_cpp NAME: NAME as a macro name (HAVE_SYS_MMAN_H).
as_tr_cpp() { echo "$1" | $SED 's/[^a-zA-Z0-9_]/_/g' | $TR 'a-z' 'A-Z'; }

# --- Programs, as configure looks for them: builtins only.
for prog in install mkdir awk gcc cc ar ranlib strip pkg-config; do
	checking "for $prog"
	found=no
	for dir in /usr/local/bin /usr/bin /bin; do
		if test -x "$dir/$prog"; then found=$dir/$prog; break; fi
	done
	result "$found"
done
checking "whether build environment is sane"
am_sane=$(echo "conftest.file" | $SED 's/file$/sane/')
test "$am_sane" = conftest.sane
result yes

# --- Headers (AC_CHECK_HEADERS).
headers="stdio.h stdlib.h string.h unistd.h fcntl.h sys/types.h sys/stat.h
	sys/mman.h sys/wait.h signal.h time.h poll.h dirent.h pthread.h
	locale.h stdint.h errno.h limits.h sys/epoll.h sys/inotify.h
	linux/userfaultfd.h threads.h stdatomic.h execinfo.h"
for h in $headers; do
	checking "for $h"
	var=ac_cv_header_$(echo "$h" | $SED 's/[^a-zA-Z0-9_]/_/g')
	$CAT >conftest.c <<EOF
#include "confdefs.h"
#include <$h>
int main(void) { return 0; }
EOF
	if ac_cpp; then
		eval "$var=yes"
		echo "#define HAVE_$(as_tr_cpp "$h") 1" >>confdefs.h
	else
		eval "$var=no"
	fi
	eval "result \$$var"
	$RM -f conftest.c conftest.i
	ac_cv_list="$ac_cv_list $var"
done

# --- Functions (AC_CHECK_FUNCS), each with the header that declares it.
funcs="stdio.h:snprintf stdio.h:vasprintf stdio.h:fmemopen stdio.h:getline
	stdlib.h:reallocarray stdlib.h:setenv stdlib.h:mkstemp
	stdlib.h:realpath stdlib.h:strtoull stdlib.h:posix_memalign
	stdlib.h:secure_getenv string.h:memmem string.h:strndup
	string.h:strlcpy string.h:strchrnul string.h:strsignal
	string.h:explicit_bzero unistd.h:pread unistd.h:pipe2 unistd.h:dup3
	unistd.h:getentropy unistd.h:fdatasync unistd.h:close_range
	fcntl.h:openat fcntl.h:posix_fallocate fcntl.h:posix_fadvise
	sys/stat.h:fstatat sys/stat.h:mkdirat sys/stat.h:futimens
	sys/mman.h:mremap sys/mman.h:madvise sys/mman.h:memfd_create
	sys/wait.h:waitid signal.h:sigaction time.h:clock_gettime
	time.h:timegm poll.h:ppoll dirent.h:fdopendir
	pthread.h:pthread_setname_np locale.h:setlocale"
for hf in $funcs; do
	h=${hf%:*} f=${hf#*:}
	checking "for $f"
	$CAT >conftest.c <<EOF
#include "confdefs.h"
#include <$h>
int main(void) { return $f != 0; }
EOF
	if ac_link "$f"; then
		eval "ac_cv_func_$f=yes"
		echo "#define HAVE_$(as_tr_cpp "$f") 1" >>confdefs.h
	else
		eval "ac_cv_func_$f=no"
	fi
	eval "result \$ac_cv_func_$f"
	$RM -f conftest.c conftest.i
	ac_cv_list="$ac_cv_list ac_cv_func_$f"
done

# --- Type sizes (AC_CHECK_SIZEOF), read from the headers; and bits.
for t in size_t off_t pid_t uid_t time_t mode_t uintptr_t; do
	checking "size of $t"
	size=$($GREP -h "typedef .* $t;" include/sys/types.h include/stdint.h |
		$SED 's/.*\/\* \([0-9]*\) \*\//\1/')
	bits=$($EXPR "$size" \* 8)
	result "$size ($bits bits)"
	echo "#define SIZEOF_$(as_tr_cpp "$t") $size" >>confdefs.h
	eval "ac_cv_sizeof_$t=$size"
	ac_cv_list="$ac_cv_list ac_cv_sizeof_$t"
done

# --- config.cache, then config.status: config.h and the Makefiles.
for v in $ac_cv_list; do eval "echo \"$v=\${$v}\""; done | $SORT >config.cache
checking "number of cached results"
result "$($WC -l <config.cache)"
{
	echo "/* config.h.  Generated from confdefs.h by configure.  */"
	$SED 's/^#define \([A-Z0-9_]*\) \(.*\)$/#define \1 \2/' confdefs.h
} >config.h
$CAT >subst.sed <<EOF
s|@CC@|gcc|g
s|@CFLAGS@|-O2 -Wall|g
s|@prefix@|/usr/local|g
s|@srcdir@|.|g
s|@HAVE_MMAP@|$ac_cv_header_sys_mman_h|g
s|@NFUNCS@|$($GREP -c '^#define HAVE_' confdefs.h)|g
EOF
for mk in . lib src tests doc; do
	$CAT >"$mk/Makefile.in" <<'EOF'
CC = @CC@
CFLAGS = @CFLAGS@
prefix = @prefix@
srcdir = @srcdir@
# mmap: @HAVE_MMAP@, @NFUNCS@ features
all:
	$(CC) $(CFLAGS) -o prog prog.c
EOF
	checking "creating $mk/Makefile"
	$SED -f subst.sed "$mk/Makefile.in" >"$mk/Makefile"
	result "done"
done
# The result is fixed: 18 headers, 31 functions, 7 sizes.
n=$($GREP -c '^#define' config.h)
exec 5>&-
cd ..
$RM -rf conf.d
if [ "$n" != 56 ]; then
	echo "configure.sh: $n definitions in config.h, expected 56" >&2
	exit 1
fi

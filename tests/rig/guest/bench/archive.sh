#!/bin/sh
# The "archive" workload of tests/rig/guest/pvbench.c, after pvbench has
# written src/ (2400 files of 0.5 to 4 KiB in 100 directories) in the
# current directory: tar and gzip its files, checksum the archive
# (sha256sum) and every file (md5sum), unpack the archive into out/ and
# check the copy against the sums, sync, print the archive's checksum (the
# same everywhere: pvbench fixes every time stamp) and remove it all.  The
# tools by absolute path, as in configure.sh: each is a fork+exec.
set -e
PATH=/bin
LC_ALL=C
export PATH LC_ALL

# The files in name order, as GNU tar --sort=name would have them: ext2
# lists a directory in the order of its name hashes, which each mke2fs
# seeds anew.  The owners as numbers, whatever /etc/passwd says.
/bin/find src -type f | /bin/sort >FILES
/bin/tar -cf - --numeric-owner $(/bin/cat FILES) | /bin/gzip -6 >src.tar.gz
/bin/sha256sum src.tar.gz >SHA256SUMS
/bin/xargs /bin/md5sum <FILES >MD5SUMS
/bin/mkdir out
/bin/gzip -dc src.tar.gz | /bin/tar -xf - -C out
cd out
/bin/md5sum -c -s ../MD5SUMS
cd ..
/bin/sync
/bin/sed 's/^\([0-9a-f]*\) .*/archive: sha256 \1/' SHA256SUMS
/bin/rm -rf src out src.tar.gz FILES SHA256SUMS MD5SUMS

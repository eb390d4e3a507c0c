// SPDX-License-Identifier: GPL-2.0
/*
 * Module boilerplate for pvisor_kunit.ko, the pvisor host module's KUnit
 * tests: one file per tested part, each registering its own suite with
 * kunit_test_suite(), linked into this one module (as the kernel's
 * net/wireless/tests/ are).  Load pvisor.ko first, then this module; the
 * suites run at load, and their KTAP is in
 * /sys/kernel/debug/kunit/SUITE/results.
 */
#include <linux/module.h>

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the pvisor host module");

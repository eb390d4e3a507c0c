/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor-run internals: one file per concern.
 *   main.c    command line
 *   vm.c      /dev/pvisor, the VM, guest memory, the vCPU run loop
 *   loader.c  loading an ELF guest and its first page tables
 *   linux.c   booting a Linux kernel built with guest-pv
 *   devices.c the virtio devices (launcher/virtio/) attached to the VM
 */
#ifndef PVISOR_LAUNCHER_H
#define PVISOR_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/pvisor.h>

struct virtio_set;
struct virtio_opts;

struct vm {
	int dev, fd, vcpu;
	uint8_t *mem;			/* guest-physical 0 in our memory */
	uint64_t mem_size;
	unsigned int paging_levels;	/* the host's, and so the guest's */
	uint64_t capabilities;		/* the module's PVISOR_CAP_* */
	bool irq_status;		/* InterruptStatus served by the module */
	char console_tail[2048];	/* the last console output, for crashes */
	size_t console_len;
	struct virtio_set *devices;	/* NULL: no virtio devices */
};

int vm_open(struct vm *vm, uint64_t mem_size);
int vm_run(struct vm *vm, struct pvisor_regs *regs);
void vm_close(struct vm *vm);
int vm_inject_later(struct vm *vm, unsigned int vector, unsigned int delay_ms);
int vm_forward_console_input(struct vm *vm);

/* Load an ELF64 guest; fills the entry point, sets up the boot registers. */
int load_elf_guest(struct vm *vm, const char *path, struct pvisor_regs *regs);
int load_elf_segments(struct vm *vm, const uint8_t *img, size_t size,
		      const char *path, uint64_t limit);
uint8_t *map_file(const char *path, size_t *size);

/* Load a guest-pv vmlinux, its initrd and command line (linux.c). */
int load_linux(struct vm *vm, const char *kernel, const char *initrd,
	       const char *cmdline, struct pvisor_regs *regs);

/* The virtio devices (devices.c). */
int devices_attach(struct vm *vm, const struct virtio_opts *opts);
int devices_cmdline(const struct vm *vm, const char *append, char *buf,
		    size_t size);
int devices_start(struct vm *vm);
void devices_mmio(struct vm *vm, struct pvisor_run *run);
void devices_print_state(const struct vm *vm);
void devices_detach(struct vm *vm);

#endif

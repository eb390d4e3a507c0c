// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a freestanding ELF guest (the test guests in tests/guests/).
 *
 * Each PT_LOAD segment goes to its physical address (p_paddr) in guest
 * memory, after checking that it fits.  The guest starts in guest-kernel
 * mode at e_entry with page tables the launcher builds: the first 1 GiB
 * identity-mapped with 2 MiB pages, supervisor-only (U=0), writable.  The
 * tables and the boot stack sit at the top of guest memory.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

#define PTE_P	0x1ULL
#define PTE_W	0x2ULL
#define PTE_PS	0x80ULL
#define PAGE	4096ULL

/* Copy each PT_LOAD segment to its p_paddr, all below @limit. */
int load_elf_segments(struct vm *vm, const uint8_t *img, size_t size,
		      const char *path, uint64_t limit)
{
	const Elf64_Ehdr *eh = (const void *)img;
	unsigned int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64) {
		fprintf(stderr, "pvisor-run: %s is not an x86-64 ELF file\n", path);
		return -1;
	}
	if (eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr)) {
		fprintf(stderr, "pvisor-run: %s: program headers out of the file\n", path);
		return -1;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > size ||
		    ph->p_filesz > size - ph->p_offset ||
		    ph->p_paddr > limit || ph->p_memsz > limit - ph->p_paddr) {
			fprintf(stderr, "pvisor-run: %s: segment %u (%#llx+%#llx) does not fit below %#llx in guest memory (try a larger --mem)\n",
				path, i, (unsigned long long)ph->p_paddr,
				(unsigned long long)ph->p_memsz,
				(unsigned long long)limit);
			return -1;
		}
		memcpy(vm->mem + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
		memset(vm->mem + ph->p_paddr + ph->p_filesz, 0,
		       ph->p_memsz - ph->p_filesz);
	}
	return 0;
}

/* Identity-map the first 1 GiB: one table per level, 2 MiB leaves. */
static uint64_t build_page_tables(struct vm *vm)
{
	uint64_t top = vm->mem_size - 8 * PAGE;	/* tables live here */
	uint64_t pd = top, pdpt = top + PAGE, root = pdpt;
	uint64_t *t;
	unsigned int i;

	memset(vm->mem + top, 0, 8 * PAGE);
	t = (uint64_t *)(vm->mem + pd);
	for (i = 0; i < 512; i++)
		t[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	t = (uint64_t *)(vm->mem + pdpt);
	t[0] = pd | PTE_P | PTE_W;
	/* One more level per level of the host's paging mode. */
	for (i = 3; i < vm->paging_levels; i++) {
		uint64_t up = root + PAGE;

		((uint64_t *)(vm->mem + up))[0] = root | PTE_P | PTE_W;
		root = up;
	}
	return root;
}

/* Map a whole file read-only; NULL after saying why. */
uint8_t *map_file(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *img;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "pvisor-run: cannot read %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		fprintf(stderr, "pvisor-run: %s is empty\n", path);
		close(fd);
		return NULL;
	}
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED) {
		fprintf(stderr, "pvisor-run: cannot map %s: %s\n", path, strerror(errno));
		return NULL;
	}
	*size = st.st_size;
	return img;
}

int load_elf_guest(struct vm *vm, const char *path, struct pvisor_regs *regs)
{
	size_t size;
	uint8_t *img = map_file(path, &size);
	int ret;

	if (!img)
		return -1;
	ret = load_elf_segments(vm, img, size, path, vm->mem_size / 2);
	if (!ret) {
		memset(regs, 0, sizeof(*regs));
		regs->rip = ((const Elf64_Ehdr *)img)->e_entry;
		regs->rsp = vm->mem_size - 8 * PAGE - 16;
		regs->rflags = 0x2;
		regs->cr3_kernel = build_page_tables(vm);
		regs->mode = PVISOR_MODE_KERNEL;
		/* The guest learns its memory size from %rdi. */
		regs->rdi = vm->mem_size;
	}
	munmap(img, size);
	return ret;
}

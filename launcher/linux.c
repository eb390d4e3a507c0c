// SPDX-License-Identifier: GPL-2.0
/*
 * Booting a Linux kernel built with guest-pv (the boot protocol is section
 * 4 of include/uapi/linux/pvisor.h).
 *
 * Guest-physical layout, bottom to top:
 *
 *	0x10000		struct pvisor_boot_info
 *	0x11000		the command line (PVISOR_CMDLINE_MAX bytes)
 *	0x1000000	the kernel's PT_LOAD segments (their p_paddr)
 *	...		free RAM
 *	initrd		page aligned, just below the reserved tail
 *	tail		the first page tables (reserved: the guest keeps
 *			using their direct map until it builds its own)
 *
 * The first 1 MiB is reserved in the memory map the guest builds.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "launcher.h"

#define PAGE		4096ULL
#define PTE_P		0x1ULL
#define PTE_W		0x2ULL
#define PTE_PS		0x80ULL
#define PTE_NX		(1ULL << 63)
#define BOOT_INFO_GPA	0x10000ULL
#define CMDLINE_GPA	0x11000ULL
#define KERNEL_MAP	0xffffffff80000000ULL
#define KERNEL_MAP_SIZE	(1ULL << 30)

/* The page tables live in the tail; a bump allocator hands out pages. */
struct pt_alloc {
	struct vm *vm;
	uint64_t next, end;
};

static uint64_t pt_page(struct pt_alloc *a)
{
	uint64_t p = a->next;

	if (p >= a->end)
		return 0;
	a->next += PAGE;
	memset(a->vm->mem + p, 0, PAGE);
	return p;
}

/*
 * Map 2 MiB at @va to @pa under @root, creating tables as needed: one
 * large page, or (@small) a table of 4 KiB pages.
 */
static int map_2m(struct pt_alloc *a, uint64_t root, uint64_t va, uint64_t pa,
		  uint64_t flags, int small)
{
	uint64_t table = root, *pd;
	int level;

	for (level = a->vm->paging_levels; level > 2; level--) {
		uint64_t *e = (uint64_t *)(a->vm->mem + table) +
			      ((va >> (12 + 9 * (level - 1))) & 511);

		if (!(*e & PTE_P)) {
			uint64_t t = pt_page(a);

			if (!t)
				return -1;
			*e = t | PTE_P | PTE_W;
		}
		table = *e & ~0xfffULL & ~PTE_NX;
	}
	pd = (uint64_t *)(a->vm->mem + table) + ((va >> 21) & 511);
	if (small) {
		uint64_t pt = pt_page(a);
		unsigned int i;

		if (!pt)
			return -1;
		for (i = 0; i < 512; i++)
			((uint64_t *)(a->vm->mem + pt))[i] =
				(pa + i * PAGE) | PTE_P | PTE_W | flags;
		*pd = pt | PTE_P | PTE_W;
		return 0;
	}
	*pd = pa | PTE_P | PTE_W | PTE_PS | flags;
	return 0;
}

/* Tables for @mem bytes of direct map plus the 1 GiB kernel map. */
static uint64_t tables_size(const struct vm *vm)
{
	uint64_t gib = (vm->mem_size + (1ULL << 30) - 1) >> 30;

	/* root, two paths of upper levels, a PD per GiB, the kernel's, a PT */
	return (1 + 2 * (vm->paging_levels - 2) + gib + 2) * PAGE;
}

static uint64_t build_tables(struct vm *vm, uint64_t start)
{
	uint64_t direct = vm->paging_levels == 5 ? 0xff11000000000000ULL :
						    0xffff888000000000ULL;
	struct pt_alloc a = { vm, start, vm->mem_size };
	uint64_t root = pt_page(&a), off;

	/*
	 * The direct map's first 2 MiB in small pages: Linux maps the ISA
	 * range there with 4 KiB pages and keeps the table it finds.
	 */
	for (off = 0; off < vm->mem_size; off += 2ULL << 20)
		if (map_2m(&a, root, direct + off, off, PTE_NX, off == 0))
			return 0;
	for (off = 0; off < KERNEL_MAP_SIZE && off < vm->mem_size; off += 2ULL << 20)
		if (map_2m(&a, root, KERNEL_MAP + off, off, 0, 0))
			return 0;
	return root;
}

/* The entry point from the kernel's "pvisor" ELF note, or 0. */
static uint64_t find_entry(const uint8_t *img, size_t size, unsigned int *abi)
{
	const Elf64_Ehdr *eh = (const void *)img;
	uint64_t entry = 0;
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff) + i;
		uint64_t off, end;

		if (ph->p_type != PT_NOTE || ph->p_offset > size ||
		    ph->p_filesz > size - ph->p_offset)
			continue;
		off = ph->p_offset;
		end = off + ph->p_filesz;
		while (end - off >= sizeof(Elf64_Nhdr)) {
			const Elf64_Nhdr *nh = (const void *)(img + off);
			uint64_t name = off + sizeof(*nh);
			uint64_t desc = name + ((nh->n_namesz + 3) & ~3ULL);
			uint64_t next = desc + ((nh->n_descsz + 3) & ~3ULL);

			if (next > end)
				break;
			if (nh->n_namesz == sizeof(PVISOR_ELFNOTE_NAME) &&
			    !memcmp(img + name, PVISOR_ELFNOTE_NAME, nh->n_namesz)) {
				if (nh->n_type == PVISOR_ELFNOTE_ENTRY && nh->n_descsz == 8)
					memcpy(&entry, img + desc, 8);
				if (nh->n_type == PVISOR_ELFNOTE_ABI && nh->n_descsz == 4)
					memcpy(abi, img + desc, 4);
			}
			off = next;
		}
	}
	return entry;
}

int load_linux(struct vm *vm, const char *kernel, const char *initrd,
	       const char *cmdline, struct pvisor_regs *regs)
{
	struct pvisor_boot_info *bi = (void *)(vm->mem + BOOT_INFO_GPA);
	/* 2 MiB aligned: the guest's RAM below it is whole large pages. */
	uint64_t tail = (vm->mem_size - tables_size(vm)) & ~((2ULL << 20) - 1);
	uint64_t limit = tail, root, entry;
	unsigned int abi = ~0U;
	uint8_t *img, *rd = NULL;
	size_t size, rd_size = 0;
	int ret = -1;

	if (strlen(cmdline) >= PVISOR_CMDLINE_MAX) {
		fprintf(stderr, "pvisor-run: the command line is longer than %d bytes\n",
			PVISOR_CMDLINE_MAX - 1);
		return -1;
	}
	img = map_file(kernel, &size);
	if (!img)
		return -1;
	if (initrd) {
		rd = map_file(initrd, &rd_size);
		if (!rd)
			goto out;
		if (rd_size > tail / 2) {
			fprintf(stderr, "pvisor-run: %s (%zu MiB) does not fit in %llu MiB of guest memory\n",
				initrd, rd_size >> 20,
				(unsigned long long)(vm->mem_size >> 20));
			goto out;
		}
		limit = (tail - rd_size) & ~(PAGE - 1);
	}
	if (load_elf_segments(vm, img, size, kernel, limit))
		goto out;
	entry = find_entry(img, size, &abi);
	if (!entry) {
		fprintf(stderr, "pvisor-run: %s has no pvisor entry note: is it a vmlinux built with guest-pv (CONFIG_PVISOR_GUEST=y)?\n",
			kernel);
		goto out;
	}
	if (abi != PVISOR_ABI_VERSION) {
		fprintf(stderr, "pvisor-run: %s was built for pvisor ABI %d, this launcher speaks %d\n",
			kernel, (int)abi, PVISOR_ABI_VERSION);
		goto out;
	}
	root = build_tables(vm, tail);
	if (!root) {
		fprintf(stderr, "pvisor-run: internal error: page tables overflow the tail\n");
		goto out;
	}
	if (rd)
		memcpy(vm->mem + limit, rd, rd_size);

	memset(bi, 0, sizeof(*bi));
	bi->magic = PVISOR_BOOT_MAGIC;
	bi->abi_version = PVISOR_ABI_VERSION;
	bi->paging_levels = vm->paging_levels;
	bi->mem_size = vm->mem_size;
	bi->reserved_start = tail;
	bi->cmdline_gpa = CMDLINE_GPA;
	bi->initrd_gpa = rd ? limit : 0;
	bi->initrd_size = rd_size;
	bi->root_gpa = root;
	memset(vm->mem + CMDLINE_GPA, 0, PVISOR_CMDLINE_MAX);
	strcpy((char *)vm->mem + CMDLINE_GPA, cmdline);

	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rdi = BOOT_INFO_GPA;
	regs->rflags = 0x2;
	regs->cr3_kernel = root;
	regs->cr3_user = root;
	regs->mode = PVISOR_MODE_KERNEL;
	ret = 0;
out:
	if (rd)
		munmap(rd, rd_size);
	munmap(img, size);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: guest loads and stores to device registers.
 *
 * The launcher declares its devices' guest-physical ranges as MMIO slots
 * (PVISOR_MEM_MMIO): they hold no memory, so the shadow MMU never maps
 * them, and shadow.c hands every access here with its guest-physical
 * address.  We fetch the instruction at the guest's rip once (through the
 * guest kernel's page tables) and decode it: only the mov forms that the
 * kernel's readb..readq and writeb..writeq compile to, plus movzx loads and
 * immediate stores; anything else touching MMIO ends the guest with the
 * instruction bytes in the message.  The access is then either
 *
 *   - completed here: a write that matches a registered ioeventfd (the
 *     virtio QueueNotify register) signals the eventfd, which wakes the
 *     device thread, and the guest resumes after one exit with no return
 *     to userspace; a read of a registered interrupt status register
 *     (virtio's InterruptStatus) or a write to its acknowledge register
 *     is served from the bits PVISOR_INJECT_IRQ set, the same way; or
 *   - handed to the launcher as PVISOR_EXIT_MMIO.  A write is done once
 *     reported; a read waits for PVISOR_RUN_MMIO_COMPLETE, whose data we
 *     put in the destination register before stepping over the instruction.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <kunit/visibility.h>
#include <asm/irq_vectors.h>
#include <asm/trapnr.h>

#include "pvisor.h"
#include "trace.h"

/* --- decoding ------------------------------------------------------------ */

#define PREFIX_OPSIZE	0x66
#define PREFIX_ADDRSIZE	0x67

/* Length of a ModRM memory operand (ModRM, SIB, displacement), or 0. */
static unsigned int modrm_len(const u8 *p, unsigned int avail)
{
	unsigned int mod, rm, len = 1;

	if (avail < 1)
		return 0;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (mod == 3)
		return 0;		/* a register: never MMIO */
	if (rm == 4) {
		if (avail < 2)
			return 0;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;	/* SIB without base: disp32 */
	} else if (mod == 0 && rm == 5) {
		len += 4;		/* rip-relative */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len <= avail ? len : 0;
}

/*
 * Decode into @d the guest instruction at @insn (@avail bytes, copied from
 * the guest) that touched MMIO.  Return: 0, or -EINVAL for a form not served.
 */
int pvisor_mmio_decode(const u8 *insn, unsigned int avail,
		       struct pvisor_mmio_insn *d)
{
	unsigned int i = 0, m, opsize = 4;
	bool opsize16 = false;
	u8 rex = 0, op;

	memset(d, 0, sizeof(*d));
	for (; i < avail && i < 4; i++) {
		if (insn[i] == PREFIX_OPSIZE)
			opsize16 = true;
		else if (insn[i] != PREFIX_ADDRSIZE)
			break;
	}
	if (i < avail && (insn[i] & 0xf0) == 0x40)
		rex = insn[i++];
	if (i >= avail)
		return -EINVAL;
	if (rex & 8)
		opsize = 8;
	else if (opsize16)
		opsize = 2;

	op = insn[i++];
	switch (op) {
	case 0x88:			/* mov r8, m8 */
	case 0x8a:			/* mov m8, r8 */
		d->size = 1;
		d->dst_size = 1;
		d->is_write = op == 0x88;
		break;
	case 0x89:			/* mov r, m */
	case 0x8b:			/* mov m, r */
		d->size = opsize;
		d->dst_size = opsize;
		d->is_write = op == 0x89;
		break;
	case 0xc6:			/* mov imm8, m8 */
	case 0xc7:			/* mov imm, m */
		d->size = op == 0xc6 ? 1 : opsize;
		d->is_write = true;
		d->has_imm = true;
		break;
	case 0x0f:			/* movzx m8/m16, r */
		if (i >= avail || (insn[i] != 0xb6 && insn[i] != 0xb7))
			return -EINVAL;
		d->size = insn[i++] == 0xb6 ? 1 : 2;
		d->dst_size = opsize;
		d->zero_extend = true;
		break;
	default:
		return -EINVAL;
	}

	m = modrm_len(insn + i, avail - i);
	if (!m)
		return -EINVAL;
	d->reg = ((insn[i] >> 3) & 7) | ((rex & 4) << 1);
	if (d->has_imm && (insn[i] & 0x38))
		return -EINVAL;		/* c6/c7 /1../7 are not mov */
	/* Without REX, byte registers 4..7 are ah, ch, dh, bh. */
	d->high_byte = d->size == 1 && !d->zero_extend && !rex && d->reg >= 4;
	i += m;

	if (d->has_imm) {
		unsigned int n = min(d->size, 4U);
		u64 imm = 0;

		if (i + n > avail)
			return -EINVAL;
		memcpy(&imm, insn + i, n);
		if (d->size == 8)	/* imm32, sign-extended */
			imm = (u64)(s64)(s32)imm;
		d->imm = imm;
		i += n;
	}
	d->len = i;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_mmio_decode);

/* Register @n (the ModRM numbering: rax, rcx, rdx, rbx, rsp, ...) in @f. */
static u64 *frame_reg(struct pvisor_frame *f, unsigned int n)
{
	u64 *regs[16] = {
		&f->rax, &f->rcx, &f->rdx, &f->rbx, &f->rsp, &f->rbp, &f->rsi,
		&f->rdi, &f->r8, &f->r9, &f->r10, &f->r11, &f->r12, &f->r13,
		&f->r14, &f->r15,
	};

	return regs[n & 15];
}

static u64 width_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* The value a decoded store writes. */
u64 pvisor_mmio_write_value(struct pvisor_frame *f,
			    const struct pvisor_mmio_insn *d)
{
	u64 v;

	if (d->has_imm)
		v = d->imm;
	else if (d->high_byte)
		v = *frame_reg(f, d->reg - 4) >> 8;
	else
		v = *frame_reg(f, d->reg);
	return v & width_mask(d->size);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_mmio_write_value);

/* Put the result of a decoded load in its register, as the CPU would. */
void pvisor_mmio_read_result(struct pvisor_frame *f,
			     const struct pvisor_mmio_insn *d, u64 data)
{
	u64 *r;

	data &= width_mask(d->size);
	if (d->high_byte) {
		r = frame_reg(f, d->reg - 4);
		*r = (*r & ~0xff00ULL) | (data << 8);
		return;
	}
	r = frame_reg(f, d->reg);
	if (d->dst_size >= 4)		/* 32-bit results clear the top half */
		*r = data;
	else
		*r = (*r & ~width_mask(d->dst_size)) | data;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_mmio_read_result);

/* --- ioeventfds ------------------------------------------------------------ */

/* PVISOR_IOEVENTFD: add or remove one entry. */
int pvisor_ioeventfd(struct pvisor_vm *vm, const struct pvisor_ioeventfd *req)
{
	struct pvisor_ioeventfd_entry *e;
	struct eventfd_ctx *ctx;
	unsigned int i;
	int ret = 0;

	if (req->flags & ~PVISOR_IOEVENTFD_DEASSIGN || req->reserved)
		return -EINVAL;
	if (req->len && req->len != 1 && req->len != 2 && req->len != 4 &&
	    req->len != 8)
		return -EINVAL;
	if (!pvisor_gpa_is_mmio(vm, req->gpa))
		return -EINVAL;
	ctx = eventfd_ctx_fdget(req->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&vm->lock);
	if (req->flags & PVISOR_IOEVENTFD_DEASSIGN) {
		ret = -ENOENT;
		for (i = 0; i < vm->nr_ioeventfds; i++) {
			e = &vm->ioeventfds[i];
			if (e->ctx != ctx || e->gpa != req->gpa || e->len != req->len)
				continue;
			eventfd_ctx_put(e->ctx);
			*e = vm->ioeventfds[--vm->nr_ioeventfds];
			ret = 0;
			break;
		}
		goto out;
	}
	for (i = 0; i < vm->nr_ioeventfds; i++) {
		e = &vm->ioeventfds[i];
		if (e->gpa == req->gpa && (!e->len || !req->len ||
					   e->len == req->len)) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (vm->nr_ioeventfds == PVISOR_MAX_IOEVENTFDS) {
		ret = -ENOSPC;
		goto out;
	}
	vm->ioeventfds[vm->nr_ioeventfds++] = (struct pvisor_ioeventfd_entry) {
		.gpa = req->gpa, .len = req->len, .ctx = ctx,
	};
	ctx = NULL;			/* the entry holds the reference */
out:
	mutex_unlock(&vm->lock);
	if (ctx)
		eventfd_ctx_put(ctx);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_ioeventfd);

void pvisor_mmio_vm_destroy(struct pvisor_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_ioeventfds; i++)
		eventfd_ctx_put(vm->ioeventfds[i].ctx);
	vm->nr_ioeventfds = 0;
}

/* --- interrupt status registers ------------------------------------------ */

static bool irq_status_claims(struct pvisor_vm *vm, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < vm->nr_irq_status; i++)
		if (vm->irq_status[i].status_gpa == gpa ||
		    vm->irq_status[i].ack_gpa == gpa)
			return true;
	return false;
}

static struct pvisor_irq_status_reg *irq_status_find(struct pvisor_vm *vm,
						     unsigned int vector)
{
	/* Pairs with the release in pvisor_irq_status(): entries below n are whole. */
	unsigned int i, n = smp_load_acquire(&vm->nr_irq_status);

	for (i = 0; i < n; i++)
		if (vm->irq_status[i].vector == vector)
			return &vm->irq_status[i];
	return NULL;
}

/* PVISOR_IRQ_STATUS: add a register, or clear one's bits. */
int pvisor_irq_status(struct pvisor_vm *vm, const struct pvisor_irq_status *req)
{
	struct pvisor_irq_status_reg *r;
	int ret = 0;

	if ((req->flags & ~PVISOR_IRQ_STATUS_RESET) ||
	    req->vector < FIRST_EXTERNAL_VECTOR || req->vector > 255)
		return -EINVAL;
	if (req->flags & PVISOR_IRQ_STATUS_RESET) {
		if (req->status_gpa || req->ack_gpa)
			return -EINVAL;
		r = irq_status_find(vm, req->vector);
		if (!r)
			return -ENOENT;
		atomic_set(&r->bits, 0);
		return 0;
	}
	if (!IS_ALIGNED(req->status_gpa, 4) || !IS_ALIGNED(req->ack_gpa, 4) ||
	    req->status_gpa == req->ack_gpa ||
	    !pvisor_gpa_is_mmio(vm, req->status_gpa) ||
	    !pvisor_gpa_is_mmio(vm, req->ack_gpa))
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (irq_status_find(vm, req->vector) ||
	    irq_status_claims(vm, req->status_gpa) ||
	    irq_status_claims(vm, req->ack_gpa)) {
		ret = -EEXIST;
	} else if (vm->nr_irq_status == PVISOR_MAX_IRQ_STATUS) {
		ret = -ENOSPC;
	} else {
		r = &vm->irq_status[vm->nr_irq_status];
		*r = (struct pvisor_irq_status_reg) {
			.status_gpa = req->status_gpa, .ack_gpa = req->ack_gpa,
			.vector = req->vector,
		};
		/* Readers without the lock see the entry whole or not at all. */
		smp_store_release(&vm->nr_irq_status, vm->nr_irq_status + 1);
	}
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_irq_status);

/* PVISOR_INJECT_IRQ's status bits, before the interrupt is raised. */
int pvisor_irq_status_set(struct pvisor_vm *vm, unsigned int vector, u32 bits)
{
	struct pvisor_irq_status_reg *r;

	if (!bits)
		return 0;
	r = irq_status_find(vm, vector);
	if (!r)
		return -EINVAL;
	atomic_or(bits, &r->bits);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_irq_status_set);

/* A guest read of a status register or write to an acknowledge register. */
bool pvisor_irq_status_access(struct pvisor_vm *vm, u64 gpa, unsigned int len,
			      bool is_write, u64 *data)
{
	/* As in irq_status_find(). */
	unsigned int i, n = smp_load_acquire(&vm->nr_irq_status);

	if (len != 4)
		return false;
	for (i = 0; i < n; i++) {
		struct pvisor_irq_status_reg *r = &vm->irq_status[i];

		if (!is_write && r->status_gpa == gpa) {
			*data = (u32)atomic_read(&r->bits);
			return true;
		}
		if (is_write && r->ack_gpa == gpa) {
			atomic_andnot((u32)*data, &r->bits);
			return true;
		}
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_irq_status_access);

/* Signal the eventfd registered for this write, if there is one. */
static bool ioeventfd_signal(struct pvisor_vm *vm, u64 gpa, unsigned int len)
{
	bool found = false;
	unsigned int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_ioeventfds; i++) {
		const struct pvisor_ioeventfd_entry *e = &vm->ioeventfds[i];

		if (e->gpa == gpa && (!e->len || e->len == len)) {
			eventfd_signal(e->ctx);
			found = true;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	return found;
}

/* --- the fault --------------------------------------------------------------- */

#define INSN_FETCH	24	/* three aligned words: any 15 bytes at rip */

/* Copy up to INSN_FETCH bytes from rip & ~7; return how many follow rip. */
static unsigned int fetch_insn(struct pvisor_vcpu *vcpu, u8 *buf)
{
	u64 rip = vcpu->frame.rip, start = rip & ~7ULL, w;
	unsigned int i, got = 0;

	for (i = 0; i < INSN_FETCH / 8; i++) {
		if (pvisor_read_guest_va(vcpu, start + 8 * i, &w))
			break;
		memcpy(buf + 8 * i, &w, 8);
		got += 8;
	}
	return got > rip - start ? got - (rip - start) : 0;
}

/*
 * The instruction that faulted on MMIO at vcpu->mmio.gpa: complete the
 * access here, or leave it in vcpu->mmio for the launcher (mmio.exit set),
 * or crash the guest with the reason.
 */
void pvisor_mmio_fault(struct pvisor_vcpu *vcpu)
{
	struct pvisor_mmio *m = &vcpu->mmio;
	struct pvisor_frame *f = &vcpu->frame;
	u8 buf[INSN_FETCH];
	unsigned int avail;
	enum pvisor_stat stat;
	const u8 *insn;
	bool in_kernel;

	if (vcpu->mode != PVISOR_MODE_KERNEL) {
		pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_MMIO, X86_TRAP_PF, 0,
				  m->gpa, "MMIO at %#llx from guest user mode",
				  m->gpa);
		return;
	}
	avail = fetch_insn(vcpu, buf);
	insn = buf + (f->rip & 7);
	if (pvisor_mmio_decode(insn, min(avail, 15U), &m->insn)) {
		pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_MMIO, X86_TRAP_PF, 0,
				  m->gpa, "not a mov to MMIO %#llx: %*phN",
				  m->gpa, (int)min(avail, 8U), insn);
		return;
	}
	m->len = m->insn.size;
	m->is_write = m->insn.is_write;
	m->data = m->is_write ? pvisor_mmio_write_value(f, &m->insn) : 0;
	if (m->gpa & (m->len - 1)) {
		pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_MMIO, X86_TRAP_PF, 0,
				  m->gpa, "misaligned %u-byte MMIO at %#llx",
				  m->len, m->gpa);
		return;
	}
	/*
	 * A write to a registered ioeventfd, and the interrupt status
	 * registers, are done here; the rest exits.
	 */
	if (m->is_write && ioeventfd_signal(vcpu->vm, m->gpa, m->len))
		stat = PVISOR_STAT_MMIO_IOEVENTFD;
	else if (pvisor_irq_status_access(vcpu->vm, m->gpa, m->len, m->is_write,
					  &m->data))
		stat = PVISOR_STAT_MMIO_IRQ_STATUS;
	else
		stat = PVISOR_STAT_EXIT_MMIO;
	in_kernel = stat != PVISOR_STAT_EXIT_MMIO;
	trace_pvisor_mmio(vcpu->vm->id, vcpu->id, m->gpa, m->len, m->is_write,
			  m->data, in_kernel);
	pvisor_stat_inc(stat);
	if (!in_kernel)
		m->exit = true;
	else if (!m->is_write)
		pvisor_mmio_read_result(f, &m->insn, m->data);
	if (m->is_write || in_kernel)
		f->rip += m->insn.len;
	else
		m->read_pending = true;
}

/* PVISOR_RUN_MMIO_COMPLETE: the launcher's answer to a read. */
int pvisor_mmio_complete(struct pvisor_vcpu *vcpu, bool complete, u64 data)
{
	struct pvisor_mmio *m = &vcpu->mmio;

	if (complete != m->read_pending)
		return -EINVAL;
	if (!complete)
		return 0;
	m->read_pending = false;
	pvisor_mmio_read_result(&vcpu->frame, &m->insn, data);
	vcpu->frame.rip += m->insn.len;
	return 0;
}

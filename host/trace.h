/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor tracepoints.  Enable with
 *   echo 1 > /sys/kernel/tracing/events/pvisor/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvisor

#if !defined(PVISOR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PVISOR_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(pvisor_hypercall,
	    TP_PROTO(unsigned int vm, unsigned int vcpu, u64 nr, u64 a0, u64 a1,
		     long ret),
	    TP_ARGS(vm, vcpu, nr, a0, a1, ret),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(unsigned int, vcpu)
			     __field(u64, nr)
			     __field(u64, a0)
			     __field(u64, a1)
			     __field(long, ret)
	    ),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->nr = nr;
			   __entry->a0 = a0;
			   __entry->a1 = a1;
			   __entry->ret = ret;
	    ),
	    TP_printk("vm%u/%u nr=%llu(%s) a0=%#llx a1=%#llx ret=%ld",
		      __entry->vm, __entry->vcpu, __entry->nr,
		      pvisor_hypercall_name(__entry->nr), __entry->a0,
		      __entry->a1, __entry->ret)
);

TRACE_EVENT(pvisor_entry,
	    TP_PROTO(unsigned int vm, unsigned int vcpu, u64 rip),
	    TP_ARGS(vm, vcpu, rip),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(unsigned int, vcpu)
			     __field(u64, rip)
	    ),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->rip = rip;
	    ),
	    TP_printk("vm%u/%u rip=%#llx", __entry->vm, __entry->vcpu,
		      __entry->rip)
);

TRACE_EVENT(pvisor_exit,
	    TP_PROTO(unsigned int vm, unsigned int vcpu, u64 vector, u64 rip,
		     u64 error),
	    TP_ARGS(vm, vcpu, vector, rip, error),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(unsigned int, vcpu)
			     __field(u64, vector)
			     __field(u64, rip)
			     __field(u64, error)
	    ),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->vector = vector;
			   __entry->rip = rip;
			   __entry->error = error;
	    ),
	    TP_printk("vm%u/%u vector=%llu rip=%#llx error=%#llx",
		      __entry->vm, __entry->vcpu, __entry->vector,
		      __entry->rip, __entry->error)
);

TRACE_EVENT(pvisor_mmio,
	    TP_PROTO(unsigned int vm, unsigned int vcpu, u64 gpa,
		     unsigned int len, bool is_write, u64 data, bool in_kernel),
	    TP_ARGS(vm, vcpu, gpa, len, is_write, data, in_kernel),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(unsigned int, vcpu)
			     __field(u64, gpa)
			     __field(unsigned int, len)
			     __field(bool, is_write)
			     __field(u64, data)
			     __field(bool, in_kernel)
	    ),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->gpa = gpa;
			   __entry->len = len;
			   __entry->is_write = is_write;
			   __entry->data = data;
			   __entry->in_kernel = in_kernel;
	    ),
	    TP_printk("vm%u/%u %s%u gpa=%#llx data=%#llx %s",
		      __entry->vm, __entry->vcpu,
		      __entry->is_write ? "write" : "read", __entry->len * 8,
		      __entry->gpa, __entry->data,
		      __entry->in_kernel ? "ioeventfd" : "exit")
);

TRACE_EVENT(pvisor_xsetbv,
	    TP_PROTO(unsigned int vm, unsigned int vcpu, u64 xcr0),
	    TP_ARGS(vm, vcpu, xcr0),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(unsigned int, vcpu)
			     __field(u64, xcr0)
	    ),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->xcr0 = xcr0;
	    ),
	    TP_printk("vm%u/%u xcr0=%#llx", __entry->vm, __entry->vcpu,
		      __entry->xcr0)
);

#endif /* PVISOR_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

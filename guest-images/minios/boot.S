/* minios entry and interrupt stubs. paravent-vmm starts us in 64-bit mode with the first 4 GiB
 * identity-mapped, flat segments, interrupts off, and the Linux boot_params in %rsi (we read
 * the command line and the e820 map from it). */
	.section .text.boot, "ax"
	.globl _start
_start:
	lea stack_top(%rip), %rsp
	mov %rsi, %rdi          /* kmain(boot_params) */
	call kmain
1:	cli
	hlt
	jmp 1b

/* Every vector the IDT uses goes through isr_common with its number on the stack; the CPU
 * pushes an error code for some exceptions, the stubs push a zero for the others so the frame
 * is always the same. */
	.macro stub num, has_error=0
	.globl isr\num
isr\num:
	.if \has_error == 0
	push $0
	.endif
	push $\num
	jmp isr_common
	.endm

	.text
	stub 0
	stub 6
	stub 8, 1
	stub 13, 1
	stub 14, 1
	stub 32
	stub 36
	stub 41
	stub 39
	stub 47

isr_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov 72(%rsp), %rdi      /* vector */
	mov 80(%rsp), %rsi      /* error code */
	mov 88(%rsp), %rdx      /* rip */
	cld
	call interrupt
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.bss
	.align 16
	.space 16384
stack_top:
	.section .note.GNU-stack, "", @progbits

/* A stand-in for a kernel's <linux/interrupt.h>, written for pmlint's tests:
 * the two functions drivers/widget.c calls. */
#ifndef _TEST_LINUX_INTERRUPT_H
#define _TEST_LINUX_INTERRUPT_H

typedef int (*irq_handler_t)(int irq, void *dev_id);

extern int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		       const char *name, void *dev);
extern const void *free_irq(unsigned int irq, void *dev_id);

#endif

// SPDX-License-Identifier: GPL-2.0
/* Built with -DWIDGET_FULL_SLEEP (see the test's compile_commands.json): the
 * table then has every system-sleep member. Parsed without that flag, it
 * sets .freeze alone, which frees the IRQ: PM101 reports it (and PM102). */
#include <linux/interrupt.h>
#include <linux/pm.h>

static int widget_suspend(struct device *dev) { free_irq(1, dev); return 0; }
static int widget_resume(struct device *dev) { return request_irq(1, NULL, 0, "widget", dev); }

#ifdef WIDGET_FULL_SLEEP
static DEFINE_SIMPLE_DEV_PM_OPS(widget_pm_ops, widget_suspend, widget_resume);
#else
static const struct dev_pm_ops widget_pm_ops = {
	.freeze = widget_suspend,
};
#endif

const struct dev_pm_ops *widget_pm = &widget_pm_ops;

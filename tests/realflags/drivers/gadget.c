// SPDX-License-Identifier: GPL-2.0
/* Not in the test's compile_commands.json: parsed without headers. */
#include <linux/pm.h>

static int gadget_suspend(struct device *dev) { return 0; }
static int gadget_resume(struct device *dev) { return 0; }

static DEFINE_SIMPLE_DEV_PM_OPS(gadget_pm_ops, gadget_suspend, gadget_resume);
const struct dev_pm_ops *gadget_pm = &gadget_pm_ops;

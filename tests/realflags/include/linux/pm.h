/* A stand-in for a kernel's <linux/pm.h>, written for pmlint's tests: the
 * members and macros used below, expanded as the kernel expands them. */
#ifndef _TEST_LINUX_PM_H
#define _TEST_LINUX_PM_H

#define NULL ((void *)0)
struct device;

struct dev_pm_ops {
	int (*suspend)(struct device *dev);
	int (*resume)(struct device *dev);
	int (*freeze)(struct device *dev);
	int (*thaw)(struct device *dev);
	int (*poweroff)(struct device *dev);
	int (*restore)(struct device *dev);
	int (*runtime_suspend)(struct device *dev);
	int (*runtime_resume)(struct device *dev);
	int (*runtime_idle)(struct device *dev);
};

#define PTR_IF(cond, ptr) ((cond) ? (ptr) : NULL)
#define pm_sleep_ptr(_ptr) PTR_IF(IS_ENABLED(CONFIG_PM_SLEEP), (_ptr))
#define SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	.suspend = pm_sleep_ptr(suspend_fn), .resume = pm_sleep_ptr(resume_fn), \
	.freeze = pm_sleep_ptr(suspend_fn), .thaw = pm_sleep_ptr(resume_fn), \
	.poweroff = pm_sleep_ptr(suspend_fn), .restore = pm_sleep_ptr(resume_fn),
#define RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) \
	.runtime_suspend = suspend_fn, .runtime_resume = resume_fn, .runtime_idle = idle_fn,
#define _DEFINE_DEV_PM_OPS(name, suspend_fn, resume_fn, runtime_suspend_fn, runtime_resume_fn, idle_fn) \
	const struct dev_pm_ops name = { \
		SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
		RUNTIME_PM_OPS(runtime_suspend_fn, runtime_resume_fn, idle_fn) \
	}
#define DEFINE_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn) \
	_DEFINE_DEV_PM_OPS(name, suspend_fn, resume_fn, NULL, NULL, NULL)

#endif

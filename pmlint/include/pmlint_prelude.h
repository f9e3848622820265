/*
 * pmlint prelude: a small, self-written model of what <linux/pm.h>,
 * <linux/pm_runtime.h> and the common kernel headers declare, so that a
 * driver file parses on its own without a configured kernel tree.
 *
 * Configuration comes from -D options (CONFIG_PM, CONFIG_PM_SLEEP, ...).
 * Names starting with __pmlint_ are markers the parser looks for.
 */
#ifndef PMLINT_PRELUDE_H
#define PMLINT_PRELUDE_H

/* ---- basic types -------------------------------------------------- */
#define NULL ((void *)0)
typedef _Bool bool;
enum { false = 0, true = 1 };
typedef unsigned char u8;   typedef signed char s8;
typedef unsigned short u16; typedef short s16;
typedef unsigned int u32;   typedef int s32;
typedef unsigned long long u64; typedef long long s64;
typedef u8 __u8; typedef u16 __u16; typedef u32 __u32; typedef u64 __u64;
typedef s8 __s8; typedef s16 __s16; typedef s32 __s32; typedef s64 __s64;
typedef u16 __le16; typedef u32 __le32; typedef u64 __le64;
typedef u16 __be16; typedef u32 __be32; typedef u64 __be64;
typedef unsigned long size_t; typedef long ssize_t;
typedef unsigned long uintptr_t; typedef long intptr_t;
typedef long long loff_t; typedef int pid_t; typedef unsigned int gfp_t;
typedef u64 dma_addr_t; typedef u64 phys_addr_t; typedef u64 resource_size_t;
typedef unsigned short umode_t; typedef unsigned int fmode_t;
typedef int irqreturn_t; typedef int atomic_t;
typedef struct { long counter; } atomic64_t;
typedef struct { int rlock; } spinlock_t;
typedef struct { int lock; } raw_spinlock_t;
typedef struct { int lock; } rwlock_t;
typedef struct { int counter; } refcount_t;
typedef unsigned int __poll_t;
typedef int blk_status_t; typedef u64 sector_t;

/* ---- linux/version.h, for the kernel checks are evaluated against --
 * As include/generated/uapi/linux/version.h has them; the code comes from
 * the configuration (pmlint.kernel.kversion, --kernel-version). A file's own
 * #include <linux/version.h> finds nothing to add. */
#ifndef __PMLINT_KERNEL_VERSION_CODE
#define __PMLINT_KERNEL_VERSION_CODE 396288   /* 6.12.0 */
#endif
#define LINUX_VERSION_CODE __PMLINT_KERNEL_VERSION_CODE
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_MAJOR (__PMLINT_KERNEL_VERSION_CODE >> 16)
#define LINUX_VERSION_PATCHLEVEL ((__PMLINT_KERNEL_VERSION_CODE >> 8) & 255)
#define LINUX_VERSION_SUBLEVEL (__PMLINT_KERNEL_VERSION_CODE & 255)

/* ---- attributes and annotations ---------------------------------- */
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __used __attribute__((used))
#define __init
#define __exit
#define __initdata
#define __initconst
#define __exitdata
#define __devinit
#define __devexit
#define __devinitdata
#define __ref
#define __refdata
#define __cold
#define __hot
#define __must_check
#define __iomem
#define __user
#define __kernel
#define __force
#define __rcu
#define __percpu
#define __bitwise
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __printf(a, b)
#define __ro_after_init
#define __read_mostly
#define __weak __attribute__((weak))
#define __noreturn
#define __always_inline inline
#define noinline
#define __section(s)
#define __visible
#define notrace
#define asmlinkage
#define __randomize_layout
#define __no_randomize_layout
#define __counted_by(m)
#define __nocfi
#define fallthrough do {} while (0)
#define likely(x) (x)
#define unlikely(x) (x)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1UL << (n))
#define __stringify(x) #x

/* IS_ENABLED(): a CONFIG_ option defined to 1 is enabled, anything else
 * (undefined) is not; evaluated by the preprocessor like the kernel does. */
#define __pmlint_placeholder_1 0,
#define __pmlint_second(ignored, val, ...) val
#define __pmlint_is_defined(x) __pmlint_is_defined2(x)
#define __pmlint_is_defined2(val) __pmlint_is_defined3(__pmlint_placeholder_##val)
#define __pmlint_is_defined3(arg) __pmlint_second(arg 1, 0)
#define IS_BUILTIN(option) __pmlint_is_defined(option)
#define IS_MODULE(option) __pmlint_is_defined(option##_MODULE)
#define IS_REACHABLE(option) IS_ENABLED(option)
#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))
#define PTR_IF(cond, ptr) ((cond) ? (ptr) : NULL)

/* ---- module and export boilerplate ------------------------------ */
#define MODULE_LICENSE(x) __pmlint_swallow(x)
#define MODULE_AUTHOR(x) __pmlint_swallow(x)
#define MODULE_DESCRIPTION(x) __pmlint_swallow(x)
#define MODULE_ALIAS(x) __pmlint_swallow(x)
#define MODULE_VERSION(x) __pmlint_swallow(x)
#define MODULE_FIRMWARE(x) __pmlint_swallow(x)
#define MODULE_SOFTDEP(x) __pmlint_swallow(x)
#define MODULE_IMPORT_NS(x) __pmlint_swallow(x)
#define MODULE_DEVICE_TABLE(type, name) __pmlint_swallow(name)
#define MODULE_PARM_DESC(name, desc) __pmlint_swallow(name)
#define module_param(name, type, perm) __pmlint_swallow(name)
#define module_param_named(n, v, type, perm) __pmlint_swallow(n)
#define module_init(fn) __pmlint_swallow(fn)
#define module_exit(fn) __pmlint_swallow(fn)
#define core_initcall(fn) __pmlint_swallow(fn)
#define postcore_initcall(fn) __pmlint_swallow(fn)
#define arch_initcall(fn) __pmlint_swallow(fn)
#define subsys_initcall(fn) __pmlint_swallow(fn)
#define fs_initcall(fn) __pmlint_swallow(fn)
#define device_initcall(fn) __pmlint_swallow(fn)
#define late_initcall(fn) __pmlint_swallow(fn)
#define late_initcall_sync(fn) __pmlint_swallow(fn)
#define module_driver(drv, reg, unreg, ...) __pmlint_swallow(drv)
#define module_platform_driver(drv) __pmlint_swallow(drv)
#define builtin_platform_driver(drv) __pmlint_swallow(drv)
#define module_platform_driver_probe(drv, probe) __pmlint_swallow(drv)
#define module_pci_driver(drv) __pmlint_swallow(drv)
#define builtin_pci_driver(drv) __pmlint_swallow(drv)
#define module_i2c_driver(drv) __pmlint_swallow(drv)
#define builtin_i2c_driver(drv) __pmlint_swallow(drv)
#define module_spi_driver(drv) __pmlint_swallow(drv)
#define module_usb_driver(drv) __pmlint_swallow(drv)
#define module_amba_driver(drv) __pmlint_swallow(drv)
#define module_serio_driver(drv) __pmlint_swallow(drv)
#define module_hid_driver(drv) __pmlint_swallow(drv)
#define module_sdio_driver(drv) __pmlint_swallow(drv)
#define module_acpi_driver(drv) __pmlint_swallow(drv)
#define module_xenbus_driver(drv) __pmlint_swallow(drv)

/* ---- device model ------------------------------------------------ */
struct device;
struct module;
struct kobject;
struct of_device_id;
struct acpi_device_id;
typedef struct pm_message { int event; } pm_message_t;

#define PM_EVENT_INVALID (-1)
#define PM_EVENT_ON 0x0000
#define PM_EVENT_FREEZE 0x0001
#define PM_EVENT_SUSPEND 0x0002
#define PM_EVENT_HIBERNATE 0x0004
#define PM_EVENT_QUIESCE 0x0008
#define PM_EVENT_RESUME 0x0010
#define PM_EVENT_THAW 0x0020
#define PM_EVENT_RESTORE 0x0040
#define PM_EVENT_RECOVER 0x0080
#define PM_EVENT_USER 0x0100
#define PM_EVENT_REMOTE 0x0200
#define PM_EVENT_AUTO 0x0400
#define PMSG_INVALID ((struct pm_message){ .event = PM_EVENT_INVALID, })
#define PMSG_ON ((struct pm_message){ .event = PM_EVENT_ON, })
#define PMSG_FREEZE ((struct pm_message){ .event = PM_EVENT_FREEZE, })
#define PMSG_QUIESCE ((struct pm_message){ .event = PM_EVENT_QUIESCE, })
#define PMSG_SUSPEND ((struct pm_message){ .event = PM_EVENT_SUSPEND, })
#define PMSG_HIBERNATE ((struct pm_message){ .event = PM_EVENT_HIBERNATE, })
#define PMSG_RESUME ((struct pm_message){ .event = PM_EVENT_RESUME, })
#define PMSG_THAW ((struct pm_message){ .event = PM_EVENT_THAW, })
#define PMSG_RECOVER ((struct pm_message){ .event = PM_EVENT_RECOVER, })
#define PMSG_RESTORE ((struct pm_message){ .event = PM_EVENT_RESTORE, })

/* The 23 callbacks of the PM core, in pm.h's order. */
struct dev_pm_ops {
	int (*prepare)(struct device *dev);
	void (*complete)(struct device *dev);
	int (*suspend)(struct device *dev);
	int (*resume)(struct device *dev);
	int (*freeze)(struct device *dev);
	int (*thaw)(struct device *dev);
	int (*poweroff)(struct device *dev);
	int (*restore)(struct device *dev);
	int (*suspend_late)(struct device *dev);
	int (*resume_early)(struct device *dev);
	int (*freeze_late)(struct device *dev);
	int (*thaw_early)(struct device *dev);
	int (*poweroff_late)(struct device *dev);
	int (*restore_early)(struct device *dev);
	int (*suspend_noirq)(struct device *dev);
	int (*resume_noirq)(struct device *dev);
	int (*freeze_noirq)(struct device *dev);
	int (*thaw_noirq)(struct device *dev);
	int (*poweroff_noirq)(struct device *dev);
	int (*restore_noirq)(struct device *dev);
	int (*runtime_suspend)(struct device *dev);
	int (*runtime_resume)(struct device *dev);
	int (*runtime_idle)(struct device *dev);
};

struct dev_pm_domain { struct dev_pm_ops ops; void *detach, *activate, *sync, *dismiss, *set_performance_state; };

struct device_driver {
	const char *name; void *bus; struct module *owner; const char *mod_name;
	bool suppress_bind_attrs; int probe_type;
	const struct of_device_id *of_match_table;
	const struct acpi_device_id *acpi_match_table;
	void *probe, *sync_state, *remove, *shutdown, *suspend, *resume;
	const void *groups, *dev_groups;
	const struct dev_pm_ops *pm;
	void *coredump, *p;
};

/* Bus drivers: the members PM checks look at, plus the common ones so
 * their initializers stay well-formed. Callbacks are untyped on purpose. */
#define __PMLINT_BUS_COMMON \
	const char *name; const void *id_table; void *probe, *remove, *remove_new, \
	*shutdown, *suspend, *resume, *reset_resume; struct device_driver driver; \
	const void *groups, *dev_groups; bool driver_managed_dma, prevent_deferred_probe
struct platform_driver { __PMLINT_BUS_COMMON; };
struct pci_driver { __PMLINT_BUS_COMMON; void *node, *sriov_configure, *sriov_set_msix_vec_count, *sriov_get_vf_total_msix; const void *err_handler; int dynids; };
struct i2c_driver { __PMLINT_BUS_COMMON; unsigned int class; void *alert, *command, *detect; const unsigned short *address_list; unsigned int flags; };
struct spi_driver { __PMLINT_BUS_COMMON; };
struct usb_driver { __PMLINT_BUS_COMMON; void *disconnect, *unlocked_ioctl, *pre_reset, *post_reset; unsigned int no_dynamic_id:1, supports_autosuspend:1, disable_hub_initiated_lpm:1, soft_unbind:1; int dynids; };
struct xenbus_device_id { char devicetype[32]; };
struct xenbus_driver {
	const char *name; const struct xenbus_device_id *ids; bool allow_rebind, not_essential;
	void *probe, *otherend_changed, *remove, *suspend, *resume, *uevent;
	struct device_driver driver;
	void *read_otherend_details, *is_ready, *reclaim_memory;
};
struct syscore_ops { void *node; void *suspend, *resume, *shutdown; };

/* ---- table macros (pm.h / pm_runtime.h) and EXPORT_SYMBOL -------- */
#include "pmlint_pm_macros.h"

/* ---- helpers that pm.h turns into NULL when their option is off -- */
/* As #ifdef, like the kernel's headers: any value of the option is on.
 * pm_clk_runtime_*() go with CONFIG_PM, as in pm_clock.h. Without
 * CONFIG_PM, pm_runtime.h has stubs returning 0 for the runtime ones and
 * pm_clock.h leaves pm_clk_runtime_*() undeclared: NULL reads the same to
 * the PM core (no callback, no error). */
#ifdef CONFIG_PM_SLEEP
int pm_generic_prepare(struct device *dev);
void pm_generic_complete(struct device *dev);
int pm_generic_suspend(struct device *dev);
int pm_generic_resume(struct device *dev);
int pm_generic_freeze(struct device *dev);
int pm_generic_thaw(struct device *dev);
int pm_generic_poweroff(struct device *dev);
int pm_generic_restore(struct device *dev);
int pm_generic_suspend_late(struct device *dev);
int pm_generic_resume_early(struct device *dev);
int pm_generic_freeze_late(struct device *dev);
int pm_generic_thaw_early(struct device *dev);
int pm_generic_poweroff_late(struct device *dev);
int pm_generic_restore_early(struct device *dev);
int pm_generic_suspend_noirq(struct device *dev);
int pm_generic_resume_noirq(struct device *dev);
int pm_generic_freeze_noirq(struct device *dev);
int pm_generic_thaw_noirq(struct device *dev);
int pm_generic_poweroff_noirq(struct device *dev);
int pm_generic_restore_noirq(struct device *dev);
#else
#define pm_generic_prepare NULL
#define pm_generic_complete NULL
#define pm_generic_suspend NULL
#define pm_generic_resume NULL
#define pm_generic_freeze NULL
#define pm_generic_thaw NULL
#define pm_generic_poweroff NULL
#define pm_generic_restore NULL
#define pm_generic_suspend_late NULL
#define pm_generic_resume_early NULL
#define pm_generic_freeze_late NULL
#define pm_generic_thaw_early NULL
#define pm_generic_poweroff_late NULL
#define pm_generic_restore_early NULL
#define pm_generic_suspend_noirq NULL
#define pm_generic_resume_noirq NULL
#define pm_generic_freeze_noirq NULL
#define pm_generic_thaw_noirq NULL
#define pm_generic_poweroff_noirq NULL
#define pm_generic_restore_noirq NULL
#endif
#ifndef CONFIG_PM
#define pm_generic_runtime_suspend NULL
#define pm_generic_runtime_resume NULL
#define pm_runtime_force_suspend NULL
#define pm_runtime_force_resume NULL
#define pm_clk_runtime_suspend NULL
#define pm_clk_runtime_resume NULL
#else
int pm_generic_runtime_suspend(struct device *dev);
int pm_generic_runtime_resume(struct device *dev);
int pm_runtime_force_suspend(struct device *dev);
int pm_runtime_force_resume(struct device *dev);
int pm_clk_runtime_suspend(struct device *dev);
int pm_clk_runtime_resume(struct device *dev);
#endif
#ifndef CONFIG_PM_CLK
#define pm_clk_suspend NULL
#define pm_clk_resume NULL
#else
int pm_clk_suspend(struct device *dev);
int pm_clk_resume(struct device *dev);
#endif

#endif /* PMLINT_PRELUDE_H */

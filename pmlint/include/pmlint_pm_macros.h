/*
 * pmlint's marked versions of the table macros of <linux/pm.h> and
 * <linux/pm_runtime.h>, and of <linux/export.h>'s EXPORT_SYMBOL: included
 * by the prelude, and with real build flags (compile_commands.json, kbuild's
 * CHECK) after each of those kernel headers, so that the model a file gives
 * has the same markers with or without the kernel's headers.
 * No include guard: each inclusion redefines what the kernel header just
 * defined.
 */
#define __pmlint_swallow(tag) extern int __pmlint_unused_decl
/* Through __pmlint_exported, so that a name built by a macro is expanded
 * before it is pasted (EXPORT_SYMBOL_GPL(STATIC_CALL_KEY(x)) in the kernel's
 * tracepoint.h). */
#define __pmlint_exported(sym) extern int __pmlint_export_##sym
#define EXPORT_SYMBOL(sym) __pmlint_exported(sym)
#define EXPORT_SYMBOL_GPL(sym) __pmlint_exported(sym)
#define EXPORT_SYMBOL_NS(sym, ns) __pmlint_exported(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns) __pmlint_exported(sym)
#define __EXPORT_SYMBOL(sym, license, ns) __pmlint_exported(sym)

/* ---- table macros (pm.h / pm_runtime.h) ------------------------- */
/* Markers: every pm.h macro that sets a value casts it (pm_ptr and
 * pm_sleep_ptr: their condition) to a type named __pmlint_via_<MACRO>, so
 * that the parser can tell which macros a value went through, even inside a
 * driver's own wrapper macro (clang records no nested macro expansions). */
struct device;   /* at file scope: each inclusion's typedefs name the same type */
#define __PMLINT_VIA(m) typedef int (*__pmlint_via_##m)(struct device *)
typedef int __pmlint_via_pm_ptr, __pmlint_via_pm_sleep_ptr;
__PMLINT_VIA(SYSTEM_SLEEP_PM_OPS); __PMLINT_VIA(LATE_SYSTEM_SLEEP_PM_OPS);
__PMLINT_VIA(NOIRQ_SYSTEM_SLEEP_PM_OPS); __PMLINT_VIA(RUNTIME_PM_OPS);
__PMLINT_VIA(SET_SYSTEM_SLEEP_PM_OPS); __PMLINT_VIA(SET_LATE_SYSTEM_SLEEP_PM_OPS);
__PMLINT_VIA(SET_NOIRQ_SYSTEM_SLEEP_PM_OPS); __PMLINT_VIA(SET_RUNTIME_PM_OPS);
#define __pmlint_via(m, v) ((__pmlint_via_##m)(v))

#define pm_ptr(_ptr) PTR_IF((__pmlint_via_pm_ptr)IS_ENABLED(CONFIG_PM), (_ptr))
#define pm_sleep_ptr(_ptr) PTR_IF((__pmlint_via_pm_sleep_ptr)IS_ENABLED(CONFIG_PM_SLEEP), (_ptr))

/* The six system-sleep members of one phase, marked with macro m. */
#define __PMLINT_SLEEP(m, sus, res, frz, thw, pwr, rst, suspend_fn, resume_fn) \
	.sus = __pmlint_via(m, pm_sleep_ptr(suspend_fn)), .res = __pmlint_via(m, pm_sleep_ptr(resume_fn)), \
	.frz = __pmlint_via(m, pm_sleep_ptr(suspend_fn)), .thw = __pmlint_via(m, pm_sleep_ptr(resume_fn)), \
	.pwr = __pmlint_via(m, pm_sleep_ptr(suspend_fn)), .rst = __pmlint_via(m, pm_sleep_ptr(resume_fn)),
#define SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	__PMLINT_SLEEP(SYSTEM_SLEEP_PM_OPS, suspend, resume, freeze, thaw, poweroff, restore, \
		       suspend_fn, resume_fn)
#define LATE_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	__PMLINT_SLEEP(LATE_SYSTEM_SLEEP_PM_OPS, suspend_late, resume_early, freeze_late, \
		       thaw_early, poweroff_late, restore_early, suspend_fn, resume_fn)
#define NOIRQ_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	__PMLINT_SLEEP(NOIRQ_SYSTEM_SLEEP_PM_OPS, suspend_noirq, resume_noirq, freeze_noirq, \
		       thaw_noirq, poweroff_noirq, restore_noirq, suspend_fn, resume_fn)
#define RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) \
	.runtime_suspend = __pmlint_via(RUNTIME_PM_OPS, suspend_fn), \
	.runtime_resume = __pmlint_via(RUNTIME_PM_OPS, resume_fn), \
	.runtime_idle = __pmlint_via(RUNTIME_PM_OPS, idle_fn),

/* The SET_ forms mark their arguments, then expand like pm.h's. */
#ifdef CONFIG_PM_SLEEP
#define SET_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	SYSTEM_SLEEP_PM_OPS(__pmlint_via(SET_SYSTEM_SLEEP_PM_OPS, suspend_fn), \
			__pmlint_via(SET_SYSTEM_SLEEP_PM_OPS, resume_fn))
#define SET_LATE_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	LATE_SYSTEM_SLEEP_PM_OPS(__pmlint_via(SET_LATE_SYSTEM_SLEEP_PM_OPS, suspend_fn), \
			__pmlint_via(SET_LATE_SYSTEM_SLEEP_PM_OPS, resume_fn))
#define SET_NOIRQ_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
	NOIRQ_SYSTEM_SLEEP_PM_OPS(__pmlint_via(SET_NOIRQ_SYSTEM_SLEEP_PM_OPS, suspend_fn), \
			__pmlint_via(SET_NOIRQ_SYSTEM_SLEEP_PM_OPS, resume_fn))
#else
#define SET_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn)
#define SET_LATE_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn)
#define SET_NOIRQ_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn)
#endif
#ifdef CONFIG_PM
#define SET_RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) \
	RUNTIME_PM_OPS(__pmlint_via(SET_RUNTIME_PM_OPS, suspend_fn), \
		       __pmlint_via(SET_RUNTIME_PM_OPS, resume_fn), \
		       __pmlint_via(SET_RUNTIME_PM_OPS, idle_fn))
#else
#define SET_RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn)
#endif

#define _DEFINE_DEV_PM_OPS(name, suspend_fn, resume_fn, runtime_suspend_fn, runtime_resume_fn, idle_fn) \
	const struct dev_pm_ops name = { \
		SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
		RUNTIME_PM_OPS(runtime_suspend_fn, runtime_resume_fn, idle_fn) \
	}
#define DEFINE_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn) \
	_DEFINE_DEV_PM_OPS(name, suspend_fn, resume_fn, NULL, NULL, NULL)
#define DEFINE_RUNTIME_DEV_PM_OPS(name, suspend_fn, resume_fn, idle_fn) \
	_DEFINE_DEV_PM_OPS(name, pm_runtime_force_suspend, pm_runtime_force_resume, \
			   suspend_fn, resume_fn, idle_fn)
#define DEFINE_NOIRQ_DEV_PM_OPS(name, suspend_fn, resume_fn) \
	const struct dev_pm_ops name = { NOIRQ_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) }
#define SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn) \
	const struct dev_pm_ops __maybe_unused name = { SET_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) }
#define UNIVERSAL_DEV_PM_OPS(name, suspend_fn, resume_fn, idle_fn) \
	const struct dev_pm_ops __maybe_unused name = { \
		SET_SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) \
		SET_RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) \
	}

/* Exported tables: the marker declaration tells the parser the table is
 * exported; with the option off the table is renamed and discarded (still
 * marked: it is the exported table, never meant to be attached here). */
#define _EXPORT_PM_OPS(name, license, ns) \
	const struct dev_pm_ops name; extern int __pmlint_export_##name; const struct dev_pm_ops name
#define _DISCARD_PM_OPS(name, license, ns) \
	extern int __pmlint_export___static_##name; \
	static __maybe_unused const struct dev_pm_ops __static_##name
#ifdef CONFIG_PM
#define _EXPORT_DEV_PM_OPS(name, license, ns) _EXPORT_PM_OPS(name, license, ns)
#define EXPORT_PM_FN_GPL(name) EXPORT_SYMBOL_GPL(name)
#define EXPORT_PM_FN_NS_GPL(name, ns) EXPORT_SYMBOL_NS_GPL(name, ns)
#else
#define _EXPORT_DEV_PM_OPS(name, license, ns) _DISCARD_PM_OPS(name, license, ns)
#define EXPORT_PM_FN_GPL(name) __pmlint_swallow(name)
#define EXPORT_PM_FN_NS_GPL(name, ns) __pmlint_swallow(name)
#endif
#ifdef CONFIG_PM_SLEEP
#define _EXPORT_DEV_SLEEP_PM_OPS(name, license, ns) _EXPORT_PM_OPS(name, license, ns)
#else
#define _EXPORT_DEV_SLEEP_PM_OPS(name, license, ns) _DISCARD_PM_OPS(name, license, ns)
#endif
#define EXPORT_DEV_PM_OPS(name) _EXPORT_DEV_PM_OPS(name, "", "")
#define EXPORT_GPL_DEV_PM_OPS(name) _EXPORT_DEV_PM_OPS(name, "GPL", "")
#define EXPORT_NS_DEV_PM_OPS(name, ns) _EXPORT_DEV_PM_OPS(name, "", #ns)
#define EXPORT_NS_GPL_DEV_PM_OPS(name, ns) _EXPORT_DEV_PM_OPS(name, "GPL", #ns)
#define EXPORT_DEV_SLEEP_PM_OPS(name) _EXPORT_DEV_SLEEP_PM_OPS(name, "", "")
#define EXPORT_GPL_DEV_SLEEP_PM_OPS(name) _EXPORT_DEV_SLEEP_PM_OPS(name, "GPL", "")
#define EXPORT_NS_DEV_SLEEP_PM_OPS(name, ns) _EXPORT_DEV_SLEEP_PM_OPS(name, "", #ns)
#define EXPORT_NS_GPL_DEV_SLEEP_PM_OPS(name, ns) _EXPORT_DEV_SLEEP_PM_OPS(name, "GPL", #ns)
#define EXPORT_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn) \
	EXPORT_DEV_SLEEP_PM_OPS(name) = { SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) }
#define EXPORT_GPL_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn) \
	EXPORT_GPL_DEV_SLEEP_PM_OPS(name) = { SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) }
#define EXPORT_NS_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn, ns) \
	EXPORT_NS_DEV_SLEEP_PM_OPS(name, ns) = { SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) }
#define EXPORT_NS_GPL_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn, ns) \
	EXPORT_NS_GPL_DEV_SLEEP_PM_OPS(name, ns) = { SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn) }
#define EXPORT_RUNTIME_DEV_PM_OPS(name, suspend_fn, resume_fn, idle_fn) \
	_EXPORT_DEV_PM_OPS(name, "", "") = { \
		RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) }
#define EXPORT_GPL_RUNTIME_DEV_PM_OPS(name, suspend_fn, resume_fn, idle_fn) \
	_EXPORT_DEV_PM_OPS(name, "GPL", "") = { \
		RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) }
#define EXPORT_NS_RUNTIME_DEV_PM_OPS(name, suspend_fn, resume_fn, idle_fn, ns) \
	_EXPORT_DEV_PM_OPS(name, "", #ns) = { \
		RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) }
#define EXPORT_NS_GPL_RUNTIME_DEV_PM_OPS(name, suspend_fn, resume_fn, idle_fn, ns) \
	_EXPORT_DEV_PM_OPS(name, "GPL", #ns) = { \
		RUNTIME_PM_OPS(suspend_fn, resume_fn, idle_fn) }

// Coccinelle's view of the question pmlint answers: every struct dev_pm_ops
// table written as a designated initializer (what spatch can see without
// expanding pm.h's macros). bench/speed.py times it against pmlint.
// Usage: spatch --sp-file bench/pm_tables.cocci --dir TREE -j 2 --very-quiet
@r@
identifier ops;
position p;
@@
struct dev_pm_ops ops@p = { ... };

@script:python depends on r@
ops << r.ops;
p << r.p;
@@
print("%s:%s: %s" % (p[0].file, p[0].line, ops))

"""The plain model the parser produces and the rules read.

Frozen dataclasses only: nothing from libclang leaks past pmlint.frontend.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Location:
    path: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class Slot:
    """One non-NULL member of a callback table, e.g. .freeze = foo_suspend."""

    name: str        # member, e.g. "freeze" or "driver.pm"
    callback: str    # function (or object) it points at
    location: Location
    via: str         # how it was written: the member name or the macro used
    macros: tuple[str, ...] = ()  # pm.h macros the value went through (SET_*_PM_OPS, pm_ptr, ...)


@dataclass(frozen=True)
class PmTable:
    """A struct dev_pm_ops object."""

    name: str
    location: Location
    const: bool
    static: bool
    defined: bool            # has an initializer (not just a declaration)
    defined_by: str          # "designated-initializer" or the macro name
    exported: bool
    slots: tuple[Slot, ...] = ()
    complete: bool = True    # False when its initializer had errors: rules skip it
    uses: tuple[Location, ...] = ()  # where the file names it outside its declarations
    refers_to: tuple[str, ...] = ()  # names its initializer uses, also in branches pm_ptr() drops
    # Members the initializer sets to NULL and nothing later sets again:
    # `.thaw = NULL`, or SET_SYSTEM_SLEEP_PM_OPS(s, NULL).
    nulls: tuple[str, ...] = ()

    @property
    def used(self) -> bool:
        return bool(self.uses)

    def slot(self, name: str) -> Slot | None:
        for s in self.slots:
            if s.name == name:
                return s
        return None

    @property
    def slot_map(self) -> dict[str, str]:
        return {s.name: s.callback for s in self.slots}


@dataclass(frozen=True)
class DriverObject:
    """A driver struct (platform_driver, xenbus_driver, ...) and its PM members."""

    name: str
    type: str                # struct tag, e.g. "xenbus_driver"
    location: Location
    slots: tuple[Slot, ...] = ()
    # The function its `.probe` (i2c's `.probe_new`) names, or the one
    # platform_driver_probe() and its kin are given with it; "" if neither.
    probe: str = ""

    def slot(self, name: str) -> Slot | None:
        for s in self.slots:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True)
class Call:
    """A call written in a function's body."""

    name: str         # the function (or member, when indirect) called
    line: int
    column: int
    args: str = ""    # the arguments as written, blanks folded, cut at 120 characters
    indirect: bool = False   # through a pointer: ops->stop(dev)
    through: str = ""        # the file's own function-like macro the call is written in


@dataclass(frozen=True)
class Store:
    """A store through a pointer: `lcd->screen &= ~SEN;` (pmlint.text.storetext)."""

    target: str                  # what is written, as written ("lcd->screen")
    line: int
    column: int
    pointers: tuple[str, ...]    # the name of each pointer it goes through ("lcd"; "priv", "regs")
    value: str = ""              # the call whose result a plain store writes ("readl"), or ""
    expr: str = ""               # what a plain store writes, as written ("val"), or ""


@dataclass(frozen=True)
class Assign:
    """A plain assignment to a variable: `regval = val >> 5;` (pmlint.text.storetext)."""

    name: str
    line: int
    expr: str        # what it assigns, as written


@dataclass(frozen=True)
class PointerOrigin:
    """Where a pointer of the file gets its value, or what its declaration says
    (pmlint.text.storetext): "call NAME" (`p = NAME(...)`, cast or not), "address"
    (a cast of an integer or an upper-case constant: `(struct regs *) 0xB5000000`),
    "iomem" (declared `__iomem`), "volatile" (points at a struct the file
    defines with a volatile member)."""

    name: str
    origin: str


@dataclass(frozen=True)
class Entry:
    """A function of the file set as a member of an initializer:
    `.write_raw = bh1750_write_raw` (pmlint.text.members)."""

    member: str
    function: str
    location: Location


@dataclass(frozen=True)
class Link:
    """A call a file makes, resolved to the definition in another file that
    Kbuild links with it (pmlint.kernel.modulelinks)."""

    caller: str      # the calling file's path
    name: str
    path: str        # the file that defines it
    exported: bool   # what `path` exports, rather than an object of the caller's module


@dataclass(frozen=True)
class Guard:
    """An `if` of a body: its condition and the lines of the statement it
    guards, its `else` left out (pmlint.text.storetext)."""

    condition: str   # as written, blanks folded, cut at 120 characters
    first: int       # line of the `if`
    last: int        # line the guarded statement ends on
    column: int = 0  # column of the `if`
    leaves: bool = False  # the statement is a `return` or `goto`, or a block ending in one

    def holds_at(self, line: int) -> bool:
        return self.first <= line <= self.last


@dataclass(frozen=True)
class Body:
    """What a function's body, as the file writes it, does (pmlint.text.bodytext)."""

    calls: tuple[Call, ...]
    first: int               # line of its '{'
    last: int                # line of its '}'
    stores: bool = False     # stores to a member, an array element or through a pointer
    returns_error: bool = False  # returns a negative error constant somewhere
    guarded: bool = False    # opens by returning when a member says so: if (!priv->on) return 0;
    pointer_stores: tuple[Store, ...] = ()   # its stores through a pointer (`->`), in order
    assigns: tuple[Assign, ...] = ()         # its plain assignments to variables, in order
    guards: tuple[Guard, ...] = ()           # its `if`s, in order


@dataclass(frozen=True)
class Function:
    name: str
    location: Location
    defined: bool
    static: bool
    # The body does nothing: empty, or only `return;`, `return 0;` or a
    # return of a negative error constant (`return -EOPNOTSUPP;`). Judged
    # for the callbacks of tables only, and only from a body written in the
    # file: None when not judged (not a table's callback, defined elsewhere
    # or by a macro).
    trivial: bool | None = None
    # Offset of the '{' of its body in the file's text, when the text there
    # is its body (not a macro's); None for the others.
    body_at: int | None = None
    # Read (pmlint.text.bodytext.attach) for the callbacks a selected rule judges
    # and the functions of the file they call, directly or not; None for the others.
    body: Body | None = None


@dataclass(frozen=True)
class Problem:
    """Why a file could not be analysed (becomes PM000)."""

    path: str
    reason: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Step:
    """A statement of a function that drives the PM core, reduced to what matters.

    kind: block, if, loop, switch, case, label, goto, return, break,
    continue, call, assign, declare. A call records its callee, the variable its
    result goes to and, for dpm_* calls, the PMSG_ values its message can
    have ("var:NAME" for a variable). An if records its condition as
    ("var", NAME, sense) when it tests a variable's truth, else ("text", TEXT).
    An assign without messages gives its variable a value not known (also
    one that a call may set through &NAME); a declare is a local variable
    declared without an initializer, so indeterminate until set.
    """

    kind: str
    line: int
    name: str = ""
    result: str = ""
    messages: tuple[str, ...] = ()
    # The variables and members (as their tokens: "si . cancelled") that a
    # dpm_* call's message, or an assign's value, reads.
    reads: tuple[str, ...] = ()
    cond: tuple = ()
    body: tuple["Step", ...] = ()
    orelse: tuple["Step", ...] = ()


@dataclass(frozen=True)
class PmSequence:
    """A function that calls the PM core's suspend steps (dpm_suspend_start, ...)."""

    function: str
    location: Location
    body: tuple[Step, ...]


@dataclass(frozen=True)
class Conditional:
    """A block the preprocessor keeps or drops as a whole: #if ... #endif."""

    first: int        # line of the #if, #ifdef or #ifndef
    last: int         # line of its #endif
    condition: str    # the #if line as written, e.g. "#ifdef CONFIG_PM_SLEEP"
    otherwise: int = 0  # line of its first #elif or #else, 0 if none

    def holds(self, line: int) -> bool:
        """The line is in the block's first branch: compiled only when the condition holds."""
        return self.first < line < (self.otherwise or self.last)


@dataclass(frozen=True)
class Assumption:
    """An #if or #elif near PM code that the headerless parse cannot evaluate
    (pmlint.text.conditions), and what the preprocessor took it for."""

    line: int
    condition: str            # the directive as written, e.g. "#if IS_BUILTIN_FOO(x)"
    names: tuple[str, ...]    # the macros it uses that nothing defines; NAME() if called
    # An unknown function-like macro: a preprocessor error, and the whole
    # condition counts as false. Otherwise the names count as 0.
    function_like: bool
    said: str = ""            # what pmlint did instead, when it is neither (pmlint.pipeline.outcomes)


@dataclass(frozen=True)
class Use:
    """A name used at a location."""

    name: str
    location: Location


@dataclass(frozen=True)
class ConfigFacts:
    """A file's static functions as the compiler sees them in one configuration
    (PM204, PM205); for a configuration of the options around the file's
    PM-core callers (FileModel.variants), those callers too (PM401-PM404).

    Functions declared inline or __used are never reported unused by the
    compiler and are left out of `unused`.
    """

    off: str = ""                          # option switched off (with what needs it); "" for the one given
    unused: tuple[Function, ...] = ()      # static functions defined and referenced nowhere
    marked: tuple[str, ...] = ()           # static functions defined with __maybe_unused
    undefined: tuple[Use, ...] = ()        # names used undeclared, or static functions used but not defined
    called: tuple[str, ...] = ()           # names referenced in function bodies (other than their own)
    # Each option FileModel.varied names, as this configuration sets it:
    # "CONFIG_X" on, "!CONFIG_X" off; and the PM-core callers it compiles.
    setting: tuple[str, ...] = ()
    sequences: tuple[PmSequence, ...] = ()


@dataclass(frozen=True)
class FileModel:
    path: str
    tables: tuple[PmTable, ...] = ()
    drivers: tuple[DriverObject, ...] = ()
    functions: tuple[Function, ...] = ()
    problems: tuple[Problem, ...] = ()
    left_out: tuple[str, ...] = ()  # functions defined only in code the configuration leaves out
    conditionals: tuple[Conditional, ...] = ()
    sequences: tuple[PmSequence, ...] = ()
    # One per option switched off that changes what the file compiles to,
    # after the configuration given (off == "") when there is something to
    # compare with it; empty when nothing depends on those options
    # (see frontend.ParseOptions.switch_off).
    configurations: tuple[ConfigFacts, ...] = ()
    # Every name the file writes as a call (name then "("), sorted; read with the bodies.
    called: tuple[str, ...] = ()
    # Where the pointers the bodies read store through get their values
    # (pmlint.text.storetext); read with the bodies.
    pointers: tuple[PointerOrigin, ...] = ()
    # Where the file sets the functions whose bodies were read as members
    # of an initializer, in the order written; read with the bodies.
    entries: tuple[Entry, ...] = ()
    # Functions of other files that Kbuild links with this one (the same
    # module's objects, what the directory exports) which the bodies read
    # call, with their bodies and their own paths; read only for the checks
    # that follow calls there (pmlint.kernel.modulelinks).
    linked: tuple[Function, ...] = ()
    # How the calls into those files resolved, one per (calling file, name).
    links: tuple[Link, ...] = ()
    # The CONFIG_ options the #ifs around the file's PM-core callers name,
    # as the configuration given sets them ("CONFIG_X" on, "!CONFIG_X" off):
    # `sequences` are the callers in that setting, and `variants` every other
    # setting of them that the tree's Kconfig allows, each with its callers
    # (see frontend.ParseOptions.vary). Options named past the bound keep the
    # value given: `unvaried`.
    varied: tuple[str, ...] = ()
    variants: tuple[ConfigFacts, ...] = ()
    unvaried: tuple[str, ...] = ()
    # The #ifs near PM code the parse could not evaluate (PM001). Not in
    # repr(): the model dump shows them as the PM001 findings they give.
    assumed: tuple[Assumption, ...] = field(default=(), repr=False)

    @property
    def given(self) -> ConfigFacts:
        """The facts of the configuration given (empty when not needed)."""
        return next((c for c in self.configurations if not c.off), ConfigFacts())

    def guards(self, line: int) -> list[str]:
        """The conditions of the #if blocks around a line, outermost first."""
        return [c.condition for c in self.conditionals if c.first < line < c.last]

    def held_by(self, line: int) -> list[Conditional]:
        """The #if blocks whose condition must hold for a line to be compiled."""
        return [c for c in self.conditionals if c.holds(line)]


@dataclass(frozen=True, order=True)
class Note:
    """Evidence for a finding, shown as a compiler's note: lines."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, order=True)
class Finding:
    """One rule violation: what flows from the engine to filters and formatters."""

    path: str
    line: int
    column: int
    rule: str
    severity: str = field(compare=False)
    symbol: str
    message: str
    origin: str = field(default="", compare=False)  # patch mode: the patch or commit that introduced it
    notes: tuple[Note, ...] = field(default=(), compare=False)
    # What the finding names, item by item (deprecated macros, effects left
    # down): patch mode reports only the items a patch adds.
    items: tuple[str, ...] = field(default=(), compare=False)

    @property
    def fingerprint(self) -> str:
        """Identity that survives line moves: rule, file, table and what is wrong."""
        key = "\0".join((self.rule, self.path, self.symbol, self.message))
        # surrogateescape: a file name that is not UTF-8 keeps its bytes.
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]

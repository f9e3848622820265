"""The rules' checks: the match kinds the TOML files beside this package
instantiate. registry holds the kinds; tables, behaviour, saved_state and
sequence register theirs. A check is a pure function of a FileModel and a
rule's [match] table: it never parses and never prints."""

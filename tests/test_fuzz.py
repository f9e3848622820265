"""Fuzzing in CI: the parser, the patch reader and the formatters, for about a minute.

The strategies and properties are in fuzzing.py; bench/fuzz.py runs the
same for as long as asked. Kernel sources become seeds only at run time
(PMLINT_KERNEL_TREE); they are never stored with the tests.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from fuzzing import Tally, batches, parse_and_check

CI = settings(deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
KERNEL_TREE = os.environ.get("PMLINT_KERNEL_TREE")
FIXTURE_SEEDS = fuzzing.seeds()


@settings(CI, max_examples=25)
@given(batches(fuzzing.generated_tables()))
def test_parser_finds_the_members_c_sets(gens):
    parse_and_check([g.source for g in gens], Tally(), gens)


@settings(CI, max_examples=15)
@given(batches(fuzzing.generated_tables(garbage=True)))
def test_parser_survives_garbage_tokens_in_tables(gens):
    parse_and_check([g.source for g in gens], Tally())


@settings(CI, max_examples=15)
@given(batches(fuzzing.mutated(FIXTURE_SEEDS)))
def test_parser_survives_mutated_fixtures(sources):
    parse_and_check(sources, Tally())


@pytest.mark.skipif(not KERNEL_TREE, reason="PMLINT_KERNEL_TREE (a Linux tree for seeds) not set")
def test_parser_survives_mutated_kernel_drivers():
    corpus = fuzzing.seeds(KERNEL_TREE, sample=40)[len(FIXTURE_SEEDS):]
    assert corpus, f"no driver with a dev_pm_ops table in {KERNEL_TREE}"

    @settings(CI, max_examples=15)
    @given(batches(fuzzing.mutated(corpus)))
    def run(sources):
        parse_and_check(sources, Tally())
    run()


@settings(CI, max_examples=300)
@given(st.one_of(fuzzing.diffs(), fuzzing.mutated_patches(), st.binary(max_size=300)))
def test_patch_reader_gives_patches_or_a_clean_error(data):
    fuzzing.check_patch(data, Tally())


@settings(CI, max_examples=50)
@given(fuzzing.reports())
def test_formatters_render_any_findings(report):
    fuzzing.check_formats(report, Tally())

"""Prompt moderation term matching."""

from __future__ import annotations

from pixforge.domain.moderation import DEFAULT_TERMS, ModerationPolicy, parse_terms_file


def test_whole_words_only_and_case_insensitive() -> None:
    policy = ModerationPolicy.from_terms(["gore", "terrorist attack"])
    assert policy.blocked_term("A scene full of GORE") == "gore"
    assert policy.blocked_term("Al Gore's speech") == "gore"
    assert policy.blocked_term("gorelike", "gorge") is None
    assert policy.blocked_term("a   terrorist\tattack") == "terrorist\tattack"
    assert policy.blocked_term("a red fox", "no terrorist here") is None


def test_negative_prompt_is_checked_too() -> None:
    policy = ModerationPolicy.from_terms(DEFAULT_TERMS)
    assert policy.blocked_term("a fox", "porn") == "porn"


def test_empty_policy_blocks_nothing() -> None:
    assert ModerationPolicy.from_terms([" ", ""]).blocked_term("gore") is None


def test_terms_file_format() -> None:
    assert parse_terms_file("# comment\n\nfoo\n  bar baz  \n") == ["foo", "bar baz"]

"""The position-tracking JSON parser behind policy documents (iamtutor/engine/_jsonpos.py).

Facts: §1.1 D-GRAM (H) — duplicate keys must be rejected, not "last wins"; the rest is RFC 8259 JSON.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtutor.engine._jsonpos import (
    MAX_DEPTH,
    JsonArray,
    JsonNumber,
    JsonObject,
    JsonSyntaxError,
    line_and_column,
    loads,
    locate,
    member_offsets,
    parse_json,
    path_join,
)


def _plain(value):
    """The parsed value with JsonNumber turned back into Python numbers, for comparison with json.loads."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, JsonNumber):
        return json.loads(value.text)
    return value


class TestValues:
    @pytest.mark.parametrize(
        "text",
        [
            "{}",
            "[]",
            '"s"',
            " 12 ",
            "-0.5e+3",
            "true",
            "null",
            '{"a": [1, 2, {"b": null}], "c": "x\\n\\u00e9"}',
            "[[], {}, [{}]]",
            '\t{"k" :\r\n [ ] }\n',
        ],
    )
    def test_parses_like_the_standard_library(self, text):
        assert _plain(parse_json(text)) == json.loads(text)
        assert _plain(loads(text)) == json.loads(text)

    def test_numbers_keep_their_literal_text(self):
        assert parse_json("[12, 1.50, 1e3]") == [JsonNumber("12"), JsonNumber("1.50"), JsonNumber("1e3")]
        assert loads("[12, 1.50, 1e3]") == [JsonNumber("12"), JsonNumber("1.50"), JsonNumber("1e3")]

    def test_huge_numbers_are_kept_as_text_not_converted(self):
        digits = "9" * 10_000
        assert loads(f"[{digits}]") == [JsonNumber(digits)]

    def test_non_bmp_characters_survive_escaped_and_raw(self):
        assert parse_json('"\\ud83d\\ude00 😀"') == "😀 😀"


class TestPositions:
    TEXT = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"},\n    {"Effect": "Deny"}\n  ]\n}'

    def test_objects_record_key_and_value_offsets(self):
        tree = parse_json(self.TEXT)
        assert isinstance(tree, JsonObject)
        key_offset, value_offset = tree.positions["Version"]
        assert self.TEXT[key_offset : key_offset + 9] == '"Version"'
        assert self.TEXT[value_offset : value_offset + 12] == '"2012-10-17"'

    def test_arrays_record_element_offsets(self):
        statements = parse_json(self.TEXT)["Statement"]
        assert isinstance(statements, JsonArray)
        assert [line_and_column(self.TEXT, offset) for offset in statements.positions] == [(4, 5), (5, 5)]

    def test_locate_follows_a_path_to_a_value_or_its_key(self):
        tree = parse_json(self.TEXT)
        assert line_and_column(self.TEXT, locate(tree, ("Statement", 1, "Effect"))) == (5, 16)
        assert line_and_column(self.TEXT, locate(tree, ("Statement", 1, "Effect"), at_key=True)) == (5, 6)

    def test_locate_stops_at_the_deepest_existing_value(self):
        tree = parse_json(self.TEXT)
        assert line_and_column(self.TEXT, locate(tree, ("Statement", 0, "Action"))) == (4, 5)
        assert locate(tree, ("Nope",)) == 0

    def test_member_offsets_finds_statement_elements_without_positions(self):
        value_offset, elements = member_offsets(self.TEXT, "Statement")
        assert self.TEXT[value_offset] == "["
        assert [line_and_column(self.TEXT, offset)[0] for offset in elements] == [4, 5]

    def test_member_offsets_for_an_object_member_or_a_missing_one(self):
        assert member_offsets('{"Statement": {"a": 1}}', "Statement") == (14, [])
        assert member_offsets('{"a": [1, {"b": 2}], "c": 3}', "Statement") is None
        assert member_offsets("[1]", "Statement") is None

    def test_line_and_column_are_one_based(self):
        assert line_and_column("ab\ncd", 0) == (1, 1)
        assert line_and_column("ab\ncd", 4) == (2, 2)
        assert line_and_column("ab", 99) == (1, 3)


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "offset", "path"),
        [
            ("", 0, "$"),
            ("{", 1, "$"),
            ("[1,]", 3, "$"),
            ("{,}", 1, "$"),
            ("[1 2]", 3, "$"),
            ("NaN", 0, "$"),
            ("[Infinity]", 1, "$"),
            ("[-Infinity]", 1, "$"),
            ('{"a":1}x', 7, "$"),
            ("\ufeff{}", 0, "$"),
            ("[01]", 2, "$"),
            ('{"a" 1}', 5, "$"),
            ('"abc', 0, "$"),
            ('{"a":[1,{"b":tru}]}', 13, "$.a[1]"),
            ('{"a":1,}', 7, "$"),
            ('"\\x"', 0, "$"),
            ('{"a":[}', 6, "$.a"),
            ('"a\nb"', 0, "$"),
            ("// comment\n{}", 0, "$"),
            ("{'a': 1}", 1, "$"),
        ],
    )
    def test_invalid_json_is_located(self, text, offset, path):
        with pytest.raises(JsonSyntaxError) as caught:
            parse_json(text)
        assert (caught.value.offset, caught.value.path) == (offset, path)
        with pytest.raises(JsonSyntaxError):
            loads(text)

    def test_duplicate_keys_are_rejected_at_the_second_key(self):
        # §1.1 D-GRAM (H): an element may not contain the same key twice
        text = '{"a": {"b": [1, {"c": 2, "c": 3}]}}'
        for parse in (parse_json, loads):
            with pytest.raises(JsonSyntaxError) as caught:
                parse(text)
            assert caught.value.path == "$.a.b[1].c"
            assert caught.value.offset == text.rindex('"c"')

    def test_keys_with_special_characters_use_bracket_paths(self):
        with pytest.raises(JsonSyntaxError) as caught:
            parse_json('{"a.b": [{"it\'s": [}]}')
        assert caught.value.path == "$['a.b'][0]['it\\'s']"


class TestHostileInput:
    def test_deep_nesting_fails_without_recursion(self):
        # A recursive parser would raise RecursionError here, not JsonSyntaxError.
        for text in ("[" * 10_000, "[" * 10_000 + "]" * 10_000, '{"a":' * 10_000):
            with pytest.raises(JsonSyntaxError) as caught:
                loads(text)
            assert "nesting" in caught.value.reason

    def test_nesting_up_to_the_limit_is_accepted(self):
        text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
        assert parse_json(text) is not None
        with pytest.raises(JsonSyntaxError):
            parse_json("[" + text + "]")

    def test_a_ten_megabyte_string_parses(self):
        # No time bound: at 10,000,000 characters a quadratic scan (about 10**14 steps) would run for hours,
        # so such a regression hangs here instead of passing; parse speed is measured by `bench`.
        text = '"' + "a" * 10_000_000 + '"'
        assert len(parse_json(text)) == 10_000_000
        assert len(loads(text)) == 10_000_000


def test_path_join_quotes_only_keys_that_need_it():
    assert path_join("$", "Statement") == "$.Statement"
    assert path_join("$.Statement", 0) == "$.Statement[0]"
    assert path_join("$", "sts:ExternalId") == "$.sts:ExternalId"
    assert path_join("$", "a b") == "$['a b']"
    assert path_join("$", "") == "$['']"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_json_values, st.sampled_from([None, 1, 2]))
def test_agrees_with_the_standard_library_on_valid_json(value, indent):
    text = json.dumps(value, indent=indent)
    assert _plain(parse_json(text)) == _plain(json.loads(text, parse_int=JsonNumber, parse_float=JsonNumber))
    assert _plain(loads(text)) == _plain(parse_json(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[],:"\\ ntrufalse0123456789.-eE\u00e9😀', max_size=40))
def test_accepts_exactly_what_the_standard_library_accepts(text):
    try:
        expected = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        expected = _REJECTED
    try:
        got = _plain(parse_json(text))
    except JsonSyntaxError:
        got = _REJECTED
    assert (got is _REJECTED) == (expected is _REJECTED)


_REJECTED = object()


def _no_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result

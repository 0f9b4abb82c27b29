"""Date-operator values, epoch seconds and world-file clocks (iam-reference.md §1.7, §2.3 Date)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamtutor.engine.dates import (
    EPOCH_MAX,
    datetime_to_micros,
    format_iso,
    parse_aws_date,
    parse_aws_instant,
    parse_iso_utc,
)

# §1.7 D-OPS (M for the exact grammar): the W3C profile of ISO-8601, `t`/`z` in any case.
ACCEPTED = [
    ("2026", datetime(1970, 1, 1, 0, 33, 46, tzinfo=UTC)),  # all digits: epoch seconds (iam-simulate, M)
    ("2026-06", datetime(2026, 6, 1, tzinfo=UTC)),
    ("2026-06-30", datetime(2026, 6, 30, tzinfo=UTC)),
    ("2026-06-30T23:59Z", datetime(2026, 6, 30, 23, 59, tzinfo=UTC)),
    ("2026-06-30T23:59:59Z", datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)),
    ("2026-06-30t23:59:59z", datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)),
    ("2026-06-30T23:59:59.5Z", datetime(2026, 6, 30, 23, 59, 59, 500000, tzinfo=UTC)),
    ("2026-06-30T23:59:59.123456789Z", datetime(2026, 6, 30, 23, 59, 59, 123456, tzinfo=UTC)),
    ("2026-06-30T23:59:59", datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)),  # no zone: UTC
    ("2026-07-01T01:59:59+02:00", datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)),  # offsets honoured
    ("2026-06-30T18:59:59-05", datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)),
    ("0", datetime(1970, 1, 1, tzinfo=UTC)),
    ("1767258000", datetime(2026, 1, 1, 9, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_aws_date_accepts_the_w3c_profile_and_epoch_seconds(text, expected):
    # §1.7 D-OPS, MOTO-PV (H for epoch/ISO acceptance, M for the grammar details)
    assert parse_aws_date(text) == expected


# §1.7 MOTO-PV (H): these fail "legacy parsing" when a policy is stored, so the parser must see None.
REJECTED = [
    "sdfdsf",
    "234-13",
    "2026-13-01",
    "2026-02-30",
    "2026-01-01T25:00Z",
    "2026-01-01T12:60Z",
    "2026-01-01Z",  # a zone needs a time (W3C profile)
    "2026-01-01T09:00:00+24:00",
    "2026-01-01T09:00:00+0200",
    "2026-01-01 09:00:00Z",
    "-1",
    "+5",
    "1.5",
    "9223372036854775808",
    "99999999999999999999",
    "",
    " 2026-01-01",
    "２０２６-01-01",
    "2026-01-01T09",
]


@pytest.mark.parametrize("text", REJECTED)
def test_parse_aws_date_rejects_unparsable_or_out_of_range_values(text):
    # §1.7 MOTO-PV (H): unparsable dates, bad zones and epochs ≥ 2^63 are refused
    assert parse_aws_date(text) is None
    assert parse_aws_instant(text) is None


@pytest.mark.parametrize("value", [None, 5, 2.5, b"2026", ["2026"], {"a": 1}])
def test_parse_aws_date_returns_none_for_non_strings(value):
    assert parse_aws_date(value) is None


def test_largest_epoch_is_accepted_and_keeps_its_exact_order():
    # §1.7 MOTO-PV (H): 2^63−1 is the last valid epoch value
    assert parse_aws_instant(str(EPOCH_MAX)) == EPOCH_MAX * 1_000_000
    assert parse_aws_instant(str(EPOCH_MAX - 1)) < parse_aws_instant(str(EPOCH_MAX))
    assert parse_aws_date(str(EPOCH_MAX)) == datetime.max.replace(tzinfo=UTC)  # clamped past year 9999


def test_instant_of_epoch_and_iso_forms_agree():
    # §2.3 Date, D-GKEYS (H): aws:EpochTime and aws:CurrentTime describe the same instant
    assert parse_aws_instant("1767258000") == parse_aws_instant("2026-01-01T09:00:00Z")


def test_dates_that_shift_out_of_range_are_rejected():
    assert parse_aws_date("0001-01-01T00:00+01:00") is None
    assert parse_aws_date("9999-12-31T23:59-01:00") is None


def test_very_long_input_is_rejected_quickly():
    assert parse_aws_date("2" * 100_000) is None
    assert parse_aws_date("2026-01-01T09:00:00." + "1" * 100_000 + "Z") is None


def test_format_iso_prints_utc_whole_seconds():
    moment = datetime(2026, 1, 1, 10, 0, 0, 999999, tzinfo=timezone(timedelta(hours=1)))
    assert format_iso(moment) == "2026-01-01T09:00:00Z"
    assert format_iso(datetime(2026, 1, 1, 9, 0)) == "2026-01-01T09:00:00Z"  # naive is UTC


def test_parse_iso_utc_reads_world_clocks():
    assert parse_iso_utc("2026-01-01T09:00:00Z") == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert parse_iso_utc("2026-01-01T10:00:00+01:00") == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert parse_iso_utc("2026-01-01") == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", ["1767258000", "2026", "2026-01", "tomorrow", "", None, 12])
def test_parse_iso_utc_needs_a_full_date(text):
    assert parse_iso_utc(text) is None


def test_datetime_to_micros_treats_naive_values_as_utc():
    assert datetime_to_micros(datetime(1970, 1, 1, 0, 0, 1)) == 1_000_000


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_format_then_parse_round_trips_to_the_second(moment):
    assert parse_aws_date(format_iso(moment)) == moment.replace(microsecond=0)


@given(st.text(max_size=40))
def test_parse_never_raises_on_arbitrary_text(text):
    result = parse_aws_date(text)
    assert result is None or result.tzinfo is UTC
    assert parse_iso_utc(text) is None or parse_iso_utc(text).tzinfo is not None

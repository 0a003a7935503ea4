"""Dates: date lines in texts, dates in questions, the one year rule (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from qabot.dates import EntryDates, infer_year, parse_date_line, parse_date_range, select_entries

ENTRIES = ["1936-12-28", "1936-12-30", "1937-01-09"]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


YEARS = [day(d) for d in ENTRIES]  # what parse_date_range anchors on


@pytest.mark.parametrize(
    ("question", "start", "end", "label"),
    [
        ("What did he write on January 9?", "1937-01-09", "1937-01-09", "January 9"),
        ("What happened on December 30?", "1936-12-30", "1936-12-30", "December 30"),
        (
            "And on the 28th of December, 1936?",
            "1936-12-28",
            "1936-12-28",
            "the 28th of December, 1936",
        ),
        (
            "What did he write at the end of December 1936?",
            "1936-12-21",
            "1936-12-31",
            "the end of December 1936",
        ),
        ("What did he record in 1937?", "1937-01-01", "1937-12-31", "1937"),
        ("Anything from early January?", "1937-01-01", "1937-01-11", "early January"),
        ("What happened in January?", "1937-01-01", "1937-01-31", "January"),
        ("Events of January 1937?", "1937-01-01", "1937-01-31", "January 1937"),
        ("Events of Jan. 9, 1937?", "1937-01-09", "1937-01-09", "Jan. 9, 1937"),
        # Days in words, and days known by name.
        ("What came on the ninth of January?", "1937-01-09", "1937-01-09", "the ninth of January"),
        ("And on January twenty-first?", "1937-01-21", "1937-01-21", "January twenty-first"),
        (
            "And the thirty first of December?",
            "1936-12-31",
            "1936-12-31",
            "the thirty first of December",
        ),
        ("What did he eat on Christmas Day?", "1936-12-25", "1936-12-25", "Christmas Day"),
        ("Where was he on New Year’s Eve?", "1936-12-31", "1936-12-31", "New Year’s Eve"),
        ("And on New Year's Day 1937?", "1937-01-01", "1937-01-01", "New Year's Day 1937"),
    ],
)
def test_parse(question: str, start: str, end: str, label: str):
    found = parse_date_range(question, YEARS)
    assert found is not None
    assert (found.start, found.end, found.label) == (day(start), day(end), label)
    assert question[found.span[0] : found.span[1]] == found.label


@pytest.mark.parametrize(
    "question",
    [
        "Who met Trotsky at Tampico?",
        "Which ship carried him?",
        "What is 42?",
        "May I copy this text?",
        "Did the march on the capital start?",
        "When did he first see the sea?",  # an ordinal without a month
        "Who may second the motion?",  # "may" the verb
        "May the first speaker begin?",
        "What did he think of Twelfth Night?",  # a play's title, not a day
        "Did he like A Midsummer Night's Dream?",
    ],
)
def test_no_date(question: str):
    assert parse_date_range(question, YEARS) is None


def test_a_day_without_a_year_takes_the_corpus_year_nearest_to_it():
    assert parse_date_range("on December 30", YEARS).start == day("1936-12-30")
    assert parse_date_range("on January 9", YEARS).start == day("1937-01-09")
    assert parse_date_range("on January 9", []) is None  # no corpus dates: no guess
    assert parse_date_range("What about 1937-01-09?", []).start == day("1937-01-09")


def test_one_year_rule_for_texts_and_questions():
    # In a text read in order, a day without a year is the first such day after the last.
    assert infer_year(1, 9, day("1936-12-30"), forward=True) == 1937
    assert infer_year(12, 31, day("1936-12-30"), forward=True) == 1936
    # In a question, the year that puts it nearest the middle of the entries.
    assert infer_year(12, 30, day("1937-01-03"), forward=False) == 1936
    assert infer_year(1, 9, day("1937-01-03"), forward=False) == 1937
    dates = EntryDates(seed_year=1936)
    resolved = [
        dates.resolve(*parse_date_line(line)) for line in ("Dec. 28", "December 30", "Jan 9")
    ]
    assert resolved == ["1936-12-28", "1936-12-30", "1937-01-09"]
    assert EntryDates(seed_year=None).resolve(None, 5, 1) == "--05-01"  # no year: none made up


def test_entries_inside_the_range():
    selection = select_entries(parse_date_range("at the end of December 1936", YEARS), ENTRIES)
    assert selection.dates == ("1936-12-28", "1936-12-30") and selection.exact
    assert selection.note is None


def test_no_entry_that_day_gives_the_nearest_entries_and_says_so():
    selection = select_entries(parse_date_range("on December 29, 1936", YEARS), ENTRIES)
    assert selection.dates == ("1936-12-28", "1936-12-30") and not selection.exact
    assert selection.note == (
        "The text has no entry for December 29, 1936; showing the nearest entries "
        "(December 28, 1936 and December 30, 1936)."
    )
    after = select_entries(parse_date_range("on January 20, 1937", YEARS), ENTRIES)
    assert after.dates == ("1937-01-09",)


@pytest.mark.parametrize(
    "question",
    [
        "What did he write to the Political Bureau on January 4, 1932?",  # an event in the text
        "What happened in Coyoacan in August 1940?",  # years later
        "What did the party circulate on March 2?",  # no year, far from every entry
    ],
)
def test_dates_far_from_every_entry_are_left_to_the_retrievers(question: str):
    assert select_entries(parse_date_range(question, YEARS), ENTRIES) is None


DIARY = ["1660-01-01", "1660-01-02", "1661-01-02", "1661-12-25", "1662-01-03", "1663-01-02"]
DIARY_DAYS = [day(d) for d in DIARY]


def test_a_day_named_without_a_year_means_that_day_in_every_year_of_the_text():
    wanted = parse_date_range("What did old East bring on the second of January?", DIARY_DAYS)
    selection = select_entries(wanted, DIARY)
    assert selection.dates == ("1660-01-02", "1661-01-02", "1663-01-02") and selection.exact
    month = select_entries(parse_date_range("What happened in January?", DIARY_DAYS), DIARY)
    assert month.dates == ("1660-01-01", "1660-01-02", "1661-01-02", "1662-01-03", "1663-01-02")
    # With its year, the day is that one day: here it has no entry, so the nearest.
    named = select_entries(parse_date_range("on January 2, 1662", DIARY_DAYS), DIARY)
    assert named.dates == ("1661-12-25", "1662-01-03") and not named.exact
    # No year has it: the nearest entries to the year the rule infers, as before.
    absent = select_entries(parse_date_range("on January 20", DIARY_DAYS), DIARY)
    assert not absent.exact and absent.note


def test_a_text_of_one_winter_keeps_one_year_for_a_day_without_one():
    # The journal's December 1936 – January 1937: every-year matching changes nothing.
    assert select_entries(parse_date_range("on January 9", YEARS), ENTRIES).dates == ("1937-01-09",)
    assert select_entries(parse_date_range("in December", YEARS), ENTRIES).dates == (
        "1936-12-28",
        "1936-12-30",
    )


def test_29_february_without_a_year_is_each_leap_years_and_never_the_28th():
    entries = ["1663-02-28", "1664-02-28", "1664-02-29", "1665-02-28", "1668-02-29"]
    wanted = parse_date_range("What happened on February 29?", [day(d) for d in entries])
    assert wanted is not None and wanted.every_year
    assert select_entries(wanted, entries).dates == ("1664-02-29", "1668-02-29")
    # Around 1900 (no leap year from 1897 to 1903) the nearest leap year is 1896 or 1904.
    around_1900 = [day("1899-06-01"), day("1901-06-01")]
    assert parse_date_range("on February 29", around_1900).start.year in (1896, 1904)

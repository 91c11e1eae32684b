"""core.io: strict reading of table files (every bad-input case names file, line, column and
value) and atomic writing, over the fixtures in fixtures/ (made by fixtures/make_fixtures.py)."""
from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dl.core.errors import InputError, NotFound
from dl.core.io import FORMATS, detect_format, read_table_file, write_table_file
from dl.core.io.lines import record_lines

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BAD = FIXTURES / "bad"
PEOPLE = pa.schema([("id", pa.int64()), ("name", pa.string()), ("age", pa.int64()),
                    ("city", pa.string())])


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def input_error(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as info:
        read_table_file(path, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value) and "pyarrow" not in str(info.value).lower()
    return info.value


# -- the good fixtures --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["people.csv", "people.tsv", "people.json", "people.jsonl"])
def test_people_in_every_text_format_read_alike(name: str) -> None:
    result = read_table_file(FIXTURES / name)
    assert result.table.schema == PEOPLE
    assert result.table.num_rows == 20
    assert result.table.column("name")[5].as_py() == "李雷"
    assert result.table.column("age")[10].as_py() is None  # Frances Allen's age is missing
    first_line = 1 if name.endswith("jsonl") else 2
    assert result.line_numbers is not None
    assert list(result.line_numbers[:3]) == [first_line, first_line + 1, first_line + 2]


def test_people_changes_parquet_has_updates_and_new_rows() -> None:
    result = read_table_file(FIXTURES / "people_changes.parquet")
    assert result.line_numbers is None
    assert result.table.schema == PEOPLE
    ids = result.table.column("id").to_pylist()
    assert {2, 4, 11} < set(ids) and max(ids) > 20


# -- CSV: bad input, one case each --------------------------------------------------------------

def test_ragged_row_names_its_line() -> None:
    error = input_error(BAD / "ragged.csv")
    assert error.line == 5
    assert "ragged.csv, line 5: CSV reader expected 4 values, but saw 3. row values: " in str(error)
    assert error.fields == ("4", "Zoe", "29")


def test_ragged_row_line_counts_quoted_newlines_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", 'a,b\n1,"two\nlines"\n\n3,4\n5\n6,7\n')
    error = input_error(path)
    assert error.line == 6 and "line 6:" in str(error)


def test_unclosed_quote_is_a_ragged_row_with_a_hint(tmp_path: Path) -> None:
    error = input_error(write(tmp_path, "t.csv", 'a,b\n1,2\n"3,4\n5,6\n'))
    assert error.line == 3 and "quote" in str(error)


def test_duplicate_column_names_are_refused() -> None:
    error = input_error(BAD / "dup_columns.csv")
    assert error.column == "name" and error.line == 1
    assert "duplicate column name 'name' (columns 2 and 3)" in str(error)


def test_unnamed_column_is_refused(tmp_path: Path) -> None:
    error = input_error(write(tmp_path, "t.csv", "a,,c\n1,2,3\n"))
    assert "column 2 has no name" in str(error)


def test_invalid_utf8_names_line_column_and_bytes() -> None:
    error = input_error(BAD / "invalid_utf8.csv")
    assert (error.line, error.column) == (3, "name")
    assert "line 3, column name: b'Jos\\xe9' is not valid UTF-8" in str(error)


def test_invalid_utf8_is_refused_with_a_schema_too() -> None:
    error = input_error(BAD / "invalid_utf8.csv", schema=PEOPLE)
    assert (error.line, error.column) == (3, "name")


def test_invalid_utf8_in_the_header(tmp_path: Path) -> None:
    error = input_error(write(tmp_path, "t.csv", b"id,caf\xe9\n1,2\n"))
    assert error.line == 1 and "not valid UTF-8" in str(error)


def test_binary_schema_column_takes_any_bytes() -> None:
    schema = pa.schema([("id", pa.int64()), ("name", pa.binary()), ("age", pa.int64()),
                        ("city", pa.string())])
    table = read_table_file(BAD / "invalid_utf8.csv", schema=schema).table
    assert table.column("name").to_pylist() == [b"Ada", b"Jos\xe9"]


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n"])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    assert "empty.csv: it is an empty file" in str(input_error(write(tmp_path, "empty.csv", content)))
    assert "is an empty file" in str(input_error(BAD / "empty.csv"))


def test_header_only_needs_a_schema() -> None:
    error = input_error(BAD / "header_only.csv")
    assert "has a header but no rows" in str(error) and error.line == 1


def test_header_only_with_a_schema_is_an_empty_typed_table() -> None:
    result = read_table_file(BAD / "header_only.csv", schema=PEOPLE)
    assert result.table.num_rows == 0 and result.table.schema == PEOPLE
    assert result.line_numbers is not None and len(result.line_numbers) == 0


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="file not found: .*nope.csv"):
        read_table_file(tmp_path / "nope.csv")


def test_directory_is_refused(tmp_path: Path) -> None:
    assert "is a directory" in str(input_error(tmp_path))


def test_bad_value_with_schema_names_line_column_and_value() -> None:
    error = input_error(BAD / "bad_type.csv", schema=PEOPLE)
    assert (error.line, error.column) == (4, "age")
    assert str(error).endswith("bad_type.csv, line 4, column age: 'seven' is not a valid int64")


def test_bad_value_past_the_sample_and_in_the_second_half(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i}\n" for i in range(150_000))
    path = write(tmp_path, "t.csv", "id,n\n" + rows + "150000,x\n")
    schema = pa.schema([("id", pa.int64()), ("n", pa.int32())])
    error = input_error(path, schema=schema)
    assert (error.line, error.column) == (150_002, "n") and "'x' is not a valid int32" in str(error)


def test_out_of_range_for_a_narrow_schema_type(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,small\n1,7\n2,300\n")
    schema = pa.schema([("id", pa.int64()), ("small", pa.int8())])
    error = input_error(path, schema=schema)
    assert "line 3, column small: '300' is not a valid int8" in str(error)


def test_unknown_columns_with_a_schema_are_named() -> None:
    error = input_error(FIXTURES / "people.csv", schema=pa.schema([("id", pa.int64())]))
    assert "cause: column name not found in schema (also not in the table: 'age', 'city'; " in str(error)


def test_schema_columns_missing_from_the_file_come_back_absent(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,city\n1,Paris\n")
    table = read_table_file(path, schema=PEOPLE).table
    assert table.schema == pa.schema([("id", pa.int64()), ("city", pa.string())])


def test_nested_schema_type_cannot_come_from_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,tags\n1,x\n")
    schema = pa.schema([("id", pa.int64()), ("tags", pa.list_(pa.string()))])
    assert "column tags is list<item: string>" in str(input_error(path, schema=schema))


def test_duplicate_keys_keep_their_lines_for_the_importer() -> None:
    result = read_table_file(BAD / "dup_key.csv")
    assert result.table.column("id").to_pylist() == [1, 2, 3, 2]
    assert list(result.line_numbers) == [2, 3, 4, 5]  # type: ignore[arg-type]


def test_null_key_is_read_as_null_on_its_line() -> None:
    result = read_table_file(BAD / "null_pk.csv")
    assert result.table.column("id").to_pylist() == [1, None, 3]
    assert result.table.schema.field("id").type == pa.int64()
    assert result.line_numbers is not None and result.line_numbers[1] == 3


# -- CSV: nothing lost by inference ---------------------------------------------------------------

def test_leading_zeros_stay_text() -> None:
    table = read_table_file(BAD / "leading_zeros.csv").table
    assert table.schema.field("zip").type == pa.string()
    assert table.column("zip").to_pylist() == ["02134", "10001", "00501"]
    assert table.column("code").to_pylist() == ["007", "042", "100"]
    assert table.schema.field("id").type == pa.int64()


@pytest.mark.parametrize("values, kind", [
    (["-007", "5"], pa.string()), (["00.5", "1.5"], pa.string()), (["+05", "1"], pa.string()),
    (["0", "-0", "10"], pa.int64()), (["0.5", "-0.25"], pa.float64()),
    (["-1", "+2"], pa.int64()), (["+99999999999999999999", "1"], pa.decimal128(38, 0)),
])
def test_leading_zero_rule(tmp_path: Path, values: list[str], kind: pa.DataType) -> None:
    path = write(tmp_path, "t.csv", "v\n" + "\n".join(values) + "\n")
    assert read_table_file(path).table.schema.field("v").type == kind


def test_leading_zero_after_the_sample_still_makes_text(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "v\n" + "".join(f"{i + 1}\n" for i in range(5000)) + "007\n")
    column = read_table_file(path).table.column("v")
    assert column.type == pa.string() and column[-1].as_py() == "007"


def test_int_overflow_becomes_decimal_not_float() -> None:
    table = read_table_file(BAD / "int_overflow.csv").table
    assert table.schema.field("big").type == pa.decimal128(38, 0)
    assert table.column("big").to_pylist() == [Decimal(12), Decimal(99999999999999999999),
                                               Decimal(-5)]


def test_int_overflow_past_38_digits_stays_text(tmp_path: Path) -> None:
    huge = "1" * 40
    table = read_table_file(write(tmp_path, "t.csv", f"v\n1\n{huge}\n")).table
    assert table.column("v").to_pylist() == ["1", huge]


def test_decimal_too_long_for_its_type_is_refused_not_wrapped(tmp_path: Path) -> None:
    # Arrow 26 wraps 40+ digits around 128 bits instead of refusing them
    path = write(tmp_path, "t.csv", "id,v\n1,1.5\n2," + "1" * 45 + ".5\n")
    error = input_error(path, schema=pa.schema([("id", pa.int64()), ("v", pa.decimal128(38, 1))]))
    assert (error.line, error.column) == (3, "v")
    assert "is not a valid decimal128(38, 1)" in str(error)


def test_na_is_missing_in_numbers_and_text_in_text() -> None:
    table = read_table_file(BAD / "na_values.csv").table
    assert table.schema.field("score").type == pa.float64()
    assert table.column("score").to_pylist() == [None, 1.5, None, None, None, 2.5]
    assert table.schema.field("country").type == pa.string()
    assert table.column("country").to_pylist() == ["NA", "FR", None, "DE", "NA", "US"]


def test_missing_spellings_in_every_typed_column(tmp_path: Path) -> None:
    text = "i,b,d\n1,true,2021-01-02\nNULL,,null\nN/A,false,NA\n"
    table = read_table_file(write(tmp_path, "t.csv", text)).table
    assert table.schema.types == [pa.int64(), pa.bool_(), pa.date32()]
    assert table.column("i").to_pylist() == [1, None, None]
    assert table.column("b").to_pylist() == [True, None, False]
    assert table.column("d").to_pylist() == [dt.date(2021, 1, 2), None, None]


def test_na_with_a_text_schema_stays_text(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,country\n1,NA\n2,\n")
    schema = pa.schema([("id", pa.int64()), ("country", pa.string())])
    assert read_table_file(path, schema=schema).table.column("country").to_pylist() == ["NA", None]


def test_all_missing_column_is_text(tmp_path: Path) -> None:
    table = read_table_file(write(tmp_path, "t.csv", "a,b\n1,\n2,NA\n")).table
    assert table.column("b").type == pa.string()
    assert table.column("b").to_pylist() == [None, "NA"]


def test_inferred_types(tmp_path: Path) -> None:
    text = ("i,f,b,d,ts,tz,t,s\n"
            "1,1.5,true,2021-01-02,2021-01-02 03:04:05,2021-01-02T03:04:05Z,12:34:56,x\n"
            "-2,inf,FALSE,1999-12-31,2021-01-02T03:04:05.25,2021-01-02T03:04:05+01:00,01:02:03,y\n")
    table = read_table_file(write(tmp_path, "t.csv", text)).table
    assert table.schema.types == [pa.int64(), pa.float64(), pa.bool_(), pa.date32(),
                                  pa.timestamp("us"), pa.timestamp("s", "UTC"), pa.time32("s"),
                                  pa.string()]
    assert table.column("tz")[1].as_py() == dt.datetime(2021, 1, 2, 2, 4, 5, tzinfo=dt.UTC)
    assert table.column("f")[1].as_py() == float("inf")


def test_type_changing_after_the_sample(tmp_path: Path) -> None:
    ints = "".join(f"{i}\n" for i in range(5000))
    assert read_table_file(write(tmp_path, "a.csv", "v\n" + ints + "1.5\n")).table.column(
        "v").type == pa.float64()
    assert read_table_file(write(tmp_path, "b.csv", "v\n" + ints + "abc\n")).table.column(
        "v").to_pylist()[-2:] == ["4999", "abc"]


def test_halves_that_disagree_are_typed_as_one_column(tmp_path: Path) -> None:
    ints = "".join(f"{i}\n" for i in range(120_000))
    table = read_table_file(write(tmp_path, "t.csv", "v\n" + ints + "2.5\n")).table
    assert table.column("v").type == pa.float64() and table.column("v")[-1].as_py() == 2.5


# -- CSV: records, lines, delimiters --------------------------------------------------------------

def test_quoted_newlines_blank_lines_and_crlf_keep_line_numbers(tmp_path: Path) -> None:
    text = 'id,note\r\n1,"first\r\nsecond"\r\n\r\n2,"a ""quoted"" word"\r\n3,plain\r\n'
    result = read_table_file(write(tmp_path, "t.csv", text))
    assert result.table.column("note").to_pylist() == ["first\r\nsecond", 'a "quoted" word',
                                                       "plain"]
    assert list(result.line_numbers) == [2, 5, 6]  # type: ignore[arg-type]


def test_quoted_newlines_across_arrow_blocks(tmp_path: Path) -> None:
    rows = "".join(f'{i},"line\n{i}"\n' if i % 997 == 0 else f"{i},x{i}\n" for i in range(60_000))
    result = read_table_file(write(tmp_path, "t.csv", "id,v\n" + rows))
    assert result.table.num_rows == 60_000 and result.table.column("v")[997].as_py() == "line\n997"
    lines = result.line_numbers
    assert lines is not None and lines[998] == lines[997] + 2 and lines[996] == lines[997] - 1


def test_header_with_a_quoted_newline(tmp_path: Path) -> None:
    result = read_table_file(write(tmp_path, "t.csv", 'id,"long\nname"\n1,"x\ny"\n2,z\n'))
    assert result.table.column_names == ["id", "long\nname"]
    assert list(result.line_numbers) == [3, 5]  # type: ignore[arg-type]


def test_stray_quote_inside_a_field_is_literal(tmp_path: Path) -> None:
    result = read_table_file(write(tmp_path, "t.csv", 'id,height\n1,5"2\n2,"6"\n\n3,7\n'))
    assert result.table.column("height").to_pylist() == ['5"2', "6", "7"]
    assert list(result.line_numbers) == [2, 3, 5]  # type: ignore[arg-type]


@pytest.mark.parametrize("data, records, expected", [
    (b"a\n1\n2\n", 3, [1, 2, 3]),
    (b"a\n1\n\n2", 3, [1, 2, 4]),
    (b"a\r1\r\r2\r", 3, [1, 2, 4]),
    (b'a\n"x\ny"\n2\n', 3, [1, 2, 4]),
    (b'\n\na\n1,"\n\n"\n3', 3, [3, 4, 7]),
])
def test_record_lines(data: bytes, records: int, expected: list[int]) -> None:
    assert list(record_lines(data, records, ",")) == expected  # type: ignore[arg-type]


def test_tsv_psv_and_custom_delimiters(tmp_path: Path) -> None:
    psv = read_table_file(write(tmp_path, "t.psv", "a|b\n1|x\n")).table
    assert psv.column("b")[0].as_py() == "x"
    semicolons = write(tmp_path, "t.txt", "a;b\n1;x\n")
    table = read_table_file(semicolons, file_type="csv", delimiter=";").table
    assert table.column_names == ["a", "b"]
    tabs = write(tmp_path, "t.dat", "a\tb\n1\tx\n")
    assert read_table_file(tabs, file_type="csv", delimiter="\\t").table.column_names == ["a", "b"]


def test_bad_delimiter_is_refused(tmp_path: Path) -> None:
    assert "invalid delimiter" in str(input_error(FIXTURES / "people.csv", delimiter=";;"))


# -- formats ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("a.csv", "csv"), ("a.TSV", "tsv"), ("a.psv", "psv"), ("a.parquet", "parquet"),
    ("a.pq", "parquet"), ("a.json", "json"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"),
])
def test_detect_format(name: str, kind: str) -> None:
    assert detect_format(name, None) == kind


def test_detect_format_by_type_and_refusals() -> None:
    assert detect_format("data.txt", "TSV") == "tsv"
    with pytest.raises(InputError, match="unknown file type 'xlsx'"):
        detect_format("a.csv", "xlsx")
    with pytest.raises(InputError, match="cannot tell the format of data.txt"):
        detect_format("data.txt", None)


# -- JSON and JSON lines --------------------------------------------------------------------------

def test_json_plain_array_and_rows_object_with_other_members(tmp_path: Path) -> None:
    plain = read_table_file(write(tmp_path, "a.json", '[{"a": 1}, {"a": 2, "b": "x"}]')).table
    assert plain.to_pylist() == [{"a": 1, "b": None}, {"a": 2, "b": "x"}]
    text = '{"meta": {"n": [1, 2]}, "rows": [{"a": 1}], "more": null}'
    assert read_table_file(write(tmp_path, "b.json", text)).table.to_pylist() == [{"a": 1}]


def test_json_strings_keep_zeros_na_and_empty_but_dates_become_dates(tmp_path: Path) -> None:
    text = ('[{"z": "007", "c": "NA", "e": "", "d": "2021-01-02"},'
            ' {"z": "8", "c": null, "e": "x", "d": null}]')
    table = read_table_file(write(tmp_path, "a.json", text)).table
    assert table.column("z").to_pylist() == ["007", "8"]
    assert table.column("c").to_pylist() == ["NA", None]
    assert table.column("e").to_pylist() == ["", "x"]
    assert table.column("d").type == pa.date32()


def test_json_big_integers_become_decimal(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", '[{"v": 99999999999999999999}, {"v": 1}]')
    table = read_table_file(path).table
    assert table.column("v").type == pa.decimal128(38, 0)


def test_json_mixed_kinds_name_line_and_value(tmp_path: Path) -> None:
    error = input_error(write(tmp_path, "a.json", '{"rows": [\n{"a": 1},\n{"a": "x"}\n]}'))
    assert (error.line, error.column) == (3, "a")
    assert "a.json, line 3, column a: 'x' is a string, but the column's first value is a number" \
        in str(error)


def test_json_syntax_error_names_line(tmp_path: Path) -> None:
    error = input_error(write(tmp_path, "a.json", '[{"a": 1},\n{"a": 2,}]'))
    assert error.line == 2 and "cause: invalid character looking for beginning of object key string: '}'" in str(error)


@pytest.mark.parametrize("text, message", [
    ('[{"a": 1, "a": 2}]', "key 'a' appears twice"),
    ("[1, 2]", "expected an object per row, found an integer"),
    ('{"data": []}', 'has no "rows" array'),
    ("[]", "has no rows"),
    ('[{"a": 1}] trailing', "unexpected text after the JSON document"),
    ("   ", "is an empty file"),
])
def test_json_refusals(tmp_path: Path, text: str, message: str) -> None:
    assert message in str(input_error(write(tmp_path, "a.json", text)))


def test_json_with_schema_casts_and_names_bad_values(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", '[{"a": 1, "d": "2021-01-02"},\n{"a": 2.5, "d": null}]')
    schema = pa.schema([("a", pa.int64()), ("d", pa.date32())])
    error = input_error(path, schema=schema)
    assert (error.line, error.column) == (2, "a") and "2.5 is not a valid int64" in str(error)
    ok = pa.schema([("a", pa.float64()), ("d", pa.date32())])
    assert read_table_file(path, schema=ok).table.column("d")[0].as_py() == dt.date(2021, 1, 2)


def test_jsonl_lines_blank_lines_and_errors(tmp_path: Path) -> None:
    result = read_table_file(write(tmp_path, "a.jsonl", '{"a": 1}\n\n{"a": 2}\n'))
    assert list(result.line_numbers) == [1, 3]  # type: ignore[arg-type]
    error = input_error(write(tmp_path, "b.jsonl", '{"a": 1}\n{"a": true}\n'))
    assert (error.line, error.column) == (2, "a")
    assert input_error(write(tmp_path, "c.jsonl", '{"a": 1}\n{"a": \n')).line == 2


# -- Parquet ------------------------------------------------------------------------------------

def test_not_a_parquet_file(tmp_path: Path) -> None:
    assert "is not a Parquet file" in str(input_error(write(tmp_path, "a.parquet", "id\n1\n")))


def test_parquet_cast_to_schema_names_row_and_value() -> None:
    narrow = pa.schema([("id", pa.int64()), ("name", pa.string()), ("age", pa.bool_()),
                        ("city", pa.string())])
    error = input_error(FIXTURES / "people_changes.parquet", schema=narrow)
    assert error.column == "age" and "row 1, column age: 41 is not a valid boolean" in str(error)
    wide = pa.schema([("id", pa.int64()), ("name", pa.large_string()), ("age", pa.float64()),
                      ("city", pa.string())])
    table = read_table_file(FIXTURES / "people_changes.parquet", schema=wide).table
    assert table.schema == wide


def test_parquet_unsafe_cast_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"v": [1.0, 2.5]}), path)
    error = input_error(path, schema=pa.schema([("v", pa.int64())]))
    assert "row 2, column v: 2.5 is not a valid int64" in str(error)


# -- round trips --------------------------------------------------------------------------------

def sample_table() -> pa.Table:
    return pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "name": ["Zoë", "NA", None],
        "code": ["007", "42", "x"],
        "born": pa.array([dt.date(1990, 1, 2), None, dt.date(1815, 12, 10)]),
        "seen": pa.array([dt.datetime(2021, 1, 2, 3, 4, 5, 250000), None,
                          dt.datetime(2000, 1, 1)], pa.timestamp("us")),
        "at": pa.array([dt.datetime(2021, 1, 2, 3, 4, 5)] * 3, pa.timestamp("s", "UTC")),
        "score": [1.5, None, -2.0],
        "price": pa.array([Decimal("1.50"), None, Decimal("-2.25")], pa.decimal128(10, 2)),
        "ok": [True, None, False],
        "alarm": pa.array([dt.time(7, 30), dt.time(0, 0, 1), None], pa.time32("s")),
    })


@pytest.mark.parametrize("ext", ["csv", "tsv", "psv", "parquet", "json", "jsonl"])
def test_round_trip_with_schema_is_exact(tmp_path: Path, ext: str) -> None:
    original = sample_table()
    path = tmp_path / f"out.{ext}"
    write_table_file(original, path)
    assert read_table_file(path, schema=original.schema).table.equals(original)


@pytest.mark.parametrize("ext", ["csv", "tsv", "psv", "json", "jsonl"])
def test_round_trip_without_schema_infers_losslessly(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"out.{ext}"
    write_table_file(sample_table(), path)
    table = read_table_file(path).table
    assert table.column("code").to_pylist() == ["007", "42", "x"]
    assert table.column("name").to_pylist() == ["Zoë", "NA", None]
    assert table.column("born").type == pa.date32()
    assert table.column("seen").type == pa.timestamp("us")
    assert table.column("at").type == pa.timestamp("s", "UTC")
    assert table.column("ok").to_pylist() == [True, None, False]


def test_parquet_round_trip_keeps_types_without_schema(tmp_path: Path) -> None:
    write_table_file(sample_table(), tmp_path / "out.parquet")
    table = read_table_file(tmp_path / "out.parquet").table
    coarse = ["at", "alarm"]  # Parquet has no seconds unit: these come back in milliseconds
    assert table.drop_columns(coarse).equals(sample_table().drop_columns(coarse))
    assert table.schema.field("alarm").type == pa.time32("ms")
    assert pq.read_metadata(tmp_path / "out.parquet").row_group(0).column(0).compression == "ZSTD"


def test_json_export_is_dolts_shape(tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2], "x": [float("nan"), 2.5],
                      "d": pa.array([dt.date(2021, 1, 2), None]),
                      "p": pa.array([Decimal("1.50"), None]), "b": pa.array([b"\x00\xff", None])})
    write_table_file(table, tmp_path / "out.json")
    document = json.loads((tmp_path / "out.json").read_text())
    assert document == {"rows": [{"id": 1, "x": None, "d": "2021-01-02", "p": "1.50", "b": "AP8="},
                                 {"id": 2, "x": 2.5, "d": None, "p": None, "b": None}]}
    schema = table.schema.set(1, pa.field("x", pa.float64()))
    back = read_table_file(tmp_path / "out.json", schema=schema).table
    assert back.column("b").to_pylist() == [b"\x00\xff", None]


def test_nested_columns_round_trip_through_json(tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2], "tags": [["a", "b"], []]})
    write_table_file(table, tmp_path / "out.jsonl")
    assert read_table_file(tmp_path / "out.jsonl", schema=table.schema).table.equals(table)


# -- atomic writes ------------------------------------------------------------------------------

def test_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    for ext in FORMATS:
        write_table_file(sample_table(), tmp_path / f"out.{ext}")
    assert sorted(os.listdir(tmp_path)) == sorted(f"out.{ext}" for ext in FORMATS)


def test_failed_write_leaves_the_target_untouched(tmp_path: Path) -> None:
    target = write(tmp_path, "out.csv", "old contents\n")
    nested = pa.table({"id": [1], "tags": [["a"]]})
    with pytest.raises(InputError, match="column tags is list<item: string>, which CSV cannot"):
        write_table_file(nested, target)
    assert target.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_write_failing_midway_removes_its_temporary_file(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import dl.core.io.write as writer

    def explode(schema: pa.Schema, batches: object, path: Path, kind: str) -> None:
        path.write_text("half a fi")
        raise OSError("disk full")

    monkeypatch.setitem(writer._WRITERS, "json", explode)
    target = write(tmp_path, "out.json", "{}")
    with pytest.raises(InputError, match="cannot write .*disk full"):
        write_table_file(sample_table(), target)
    assert target.read_text() == "{}" and os.listdir(tmp_path) == ["out.json"]


def test_write_replaces_an_existing_file_and_refuses_bad_targets(tmp_path: Path) -> None:
    target = write(tmp_path, "out.csv", "old\n")
    write_table_file(pa.table({"a": [1]}), target)
    assert target.read_text().splitlines() == ["a", "1"]  # quotes only where needed
    with pytest.raises(NotFound, match="directory not found"):
        write_table_file(pa.table({"a": [1]}), tmp_path / "missing" / "out.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        write_table_file(pa.table({"a": [1]}), tmp_path / "dir.csv")


def test_line_numbers_are_an_int_array() -> None:
    lines = read_table_file(FIXTURES / "people.csv").line_numbers
    assert isinstance(lines, np.ndarray) and lines.dtype == np.int64


def test_csv_export_quotes_only_when_a_value_needs_it(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    write_table_file(pa.table({"id": [1, 2], "name": ["ann", "bob"]}), plain)
    assert plain.read_text() == "id,name\n1,ann\n2,bob\n"
    quoted = tmp_path / "quoted.csv"
    table = pa.table({"id": [1, 2], "name": ["a,b", 'say "hi"']})
    write_table_file(table, quoted)
    assert read_table_file(quoted).table.column("name").to_pylist() == ["a,b", 'say "hi"']

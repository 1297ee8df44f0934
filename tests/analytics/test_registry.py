"""Registering analyses and checking their parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import ibis.expr.types as ir
import pytest
from django.utils import translation

from taxlight.analytics import engines, registry
from taxlight.analytics.params import ParamError, SchemaError
from taxlight.analytics.registry import Params, Tables, analysis


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def throwaway() -> Iterator[list[str]]:
    """Codes registered by a test are removed afterwards."""
    codes: list[str] = []
    yield codes
    for code in codes:
        registry.unregister(code)


def test_reference_analyses_are_registered_with_both_descriptions() -> None:
    specs = registry.registered("reference")
    assert [s.code for s in specs] == [
        "REF-AUDIT-YIELD",
        "REF-ENFORCEMENT-STEPS",
        "REF-FILING-ONTIME",
        "REF-INVOICE-SELLER",
        "REF-MACRO-BURDEN",
        "REF-RED-SHARE",
        "REF-VAT-BURDEN",
    ]
    for spec in specs:
        assert spec.version >= 1
        assert spec.description_zh and spec.description_en
        assert spec.params["type"] == "object"
        assert spec.params["additionalProperties"] is False


def test_defaults_are_filled_in_and_dates_converted() -> None:
    spec = registry.get("REF-VAT-BURDEN")
    assert spec.defaults() == {
        "granularity": "month",
        "date_from": None,
        "date_to": None,
        "industries": None,
    }
    assert spec.validate({"date_from": "2024-01-01"})["date_from"] == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("code", "params", "field", "message"),
    [
        (
            "REF-VAT-BURDEN",
            {"granularity": "week"},
            "granularity",
            "'week' is not allowed; choose one of: month, quarter, year.",
        ),
        (
            "REF-VAT-BURDEN",
            {"date_from": "2024-13-01"},
            "date_from",
            "'2024-13-01' is not a date in the form YYYY-MM-DD.",
        ),
        (
            "REF-VAT-BURDEN",
            {"date_to": "20240101"},
            "date_to",
            "'20240101' is not a date in the form YYYY-MM-DD.",
        ),
        (
            "REF-VAT-BURDEN",
            {"industries": ["5"]},
            "industries",
            "'5' does not have the expected form.",
        ),
        (
            "REF-VAT-BURDEN",
            {"industries": "51"},
            "industries",
            "Expected a list or empty (null), got '51'.",
        ),
        (
            "REF-VAT-BURDEN",
            {"industries": ["51", "51"]},
            "industries",
            "The items must not repeat.",
        ),
        (
            "REF-AUDIT-YIELD",
            {"year": "2024"},
            "year",
            "Expected a whole number or empty (null), got '2024'.",
        ),
        (
            "REF-AUDIT-YIELD",
            {"year": True},
            "year",
            "Expected a whole number or empty (null), got True.",
        ),
        ("REF-AUDIT-YIELD", {"year": 1066}, "year", "Must be at least 1990."),
        (
            "REF-FILING-ONTIME",
            {"tax_types": ["VAT", "GST"]},
            "tax_types",
            "'GST' is not allowed; choose one of: VAT, CIT, IIT, CONSUMPTION, STAMP, OTHER.",
        ),
        (
            "REF-INVOICE-SELLER",
            {"seller": "T1"},
            "seller",
            "Unknown parameter; this analysis accepts: date_from, date_to, kind.",
        ),
    ],
)
def test_bad_parameters_are_refused_by_field(
    code: str, params: dict[str, object], field: str, message: str, tmp_path: Path
) -> None:
    # Given an empty store: parameters are checked before any engine or table is touched
    with pytest.raises(ParamError) as error:
        registry.run(code, "duckdb", params, base=tmp_path)
    assert error.value.code == code
    assert error.value.errors == {field: [message]}
    assert str(error.value) == f"Invalid parameters for {code}: {field}: {message}"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ParamError) as error:
        registry.get("REF-VAT-BURDEN").validate(
            {"granularity": "day", "date_from": 5, "colour": "red"}
        )
    assert sorted(error.value.errors) == ["colour", "date_from", "granularity"]


def test_parameters_must_be_an_object() -> None:
    with pytest.raises(ParamError, match="must be given as an object"):
        registry.get("REF-VAT-BURDEN").validate(["month"])  # type: ignore[arg-type]


def test_an_unknown_code_lists_the_known_ones() -> None:
    with pytest.raises(engines.AnalyticsError, match=r"No analysis .*'REF-NOPE'.*REF-VAT-BURDEN"):
        registry.run("REF-NOPE")


def _spec(params: dict[str, object], code: str = "TEST-ONE") -> dict[str, object]:
    return {
        "code": code,
        "version": 1,
        "tables": ("audits",),
        "key": ("audit_id",),
        "params": params,
        "description_zh": "测试",
        "description_en": "Test",
        "kind": "test",
    }


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        # valid JSON Schema, but its failures have no message in the user's language
        ({"type": "integer", "multipleOf": 2}, r"unsupported at \$\.properties\.n: 'multipleOf'"),
        ({"type": "integer", "minimun": 1}, r"unsupported at \$\.properties\.n: 'minimun'"),
        ({"type": "string", "format": "email"}, r"unsupported at \$\.properties\.n\.format"),
        ({"type": "array", "items": {"const": 1}}, r"unsupported at \$\.properties\.n\.items"),
        ({"type": "object", "additionalProperties": {}}, r"unsupported .*additionalProperties"),
    ],
)
def test_a_schema_with_an_unsupported_keyword_is_refused_at_registration(
    prop: dict[str, object], message: str
) -> None:
    with pytest.raises(SchemaError, match=rf"^TEST-ONE: {message}"):
        analysis(**_spec({"properties": {"n": prop}}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("prop", "where"),
    [
        ({"type": "integr"}, r"\$\.properties\.n\.type"),
        ({"type": "integer", "minimum": "ten"}, r"\$\.properties\.n\.minimum"),
        ({"type": "string", "pattern": "(unclosed"}, r"\$\.properties\.n\.pattern"),
        ({"type": "array", "items": {"minItems": -1}}, r"\$\.properties\.n\.items\.minItems"),
        ({"enum": "month"}, r"\$\.properties\.n\.enum"),
    ],
)
def test_an_invalid_json_schema_is_refused_at_registration(
    prop: dict[str, object], where: str
) -> None:
    # Given a parameter schema that is not valid Draft 2020-12 (jsonschema's check_schema)
    with pytest.raises(SchemaError, match=rf"^TEST-ONE: invalid JSON Schema at {where}: "):
        analysis(**_spec({"properties": {"n": prop}}))  # type: ignore[arg-type]
    # Then nothing is registered
    assert "TEST-ONE" not in [s.code for s in registry.registered()]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "array"}, "must be of type 'object'"),
        ({"properties": {"n": {"type": "integer"}}, "required": ["m"]}, "'m' is not a property"),
        ({"properties": {"n": {"type": "integer", "default": "x"}}}, r"n: the default is invalid"),
        (
            {"properties": {"n": {"type": "string", "format": "date", "default": "2024-02-30"}}},
            r"n: the default is invalid",
        ),
    ],
)
def test_a_schema_that_cannot_be_met_is_refused_at_registration(
    params: dict[str, object], message: str
) -> None:
    with pytest.raises(SchemaError, match=message):
        analysis(**_spec(params))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "'2024-02-30' is not a date in the form YYYY-MM-DD."),
        ("2023-02-29", "'2023-02-29' is not a date in the form YYYY-MM-DD."),
        ("2024-1-05", "'2024-1-05' is not a date in the form YYYY-MM-DD."),
        ("2024-01-05T00:00", "'2024-01-05T00:00' is not a date in the form YYYY-MM-DD."),
        ("２０２４-01-05", "'２０２４-01-05' is not a date in the form YYYY-MM-DD."),
        (dt.datetime(2024, 1, 5, 9, 30), "Expected a date (YYYY-MM-DD), got a date and time."),
    ],
)
def test_a_date_parameter_must_be_a_real_day(value: object, message: str) -> None:
    with pytest.raises(ParamError) as error:
        registry.get("REF-RED-SHARE").validate({"date_from": value})
    assert error.value.errors == {"date_from": [message]}


def test_dates_arrive_as_dates_also_in_lists(throwaway: list[str]) -> None:
    # Given an analysis with a required date and a list of dates
    date = {"type": "string", "format": "date"}
    throwaway.append("TEST-DATES")
    spec = _spec(
        {"properties": {"on": date, "days": {"type": "array", "items": date}}, "required": ["on"]},
        code="TEST-DATES",
    )
    analysis(**spec)(lambda tables, params: tables.audits)  # type: ignore[arg-type]
    dates = registry.get("TEST-DATES")
    # When dates come as text or (from Python) as dates, and the list as a tuple
    values = dates.validate(
        {"on": dt.date(2024, 2, 29), "days": ("2024-01-31", dt.date(2024, 3, 1))}
    )
    # Then the analysis gets dates, in a list
    assert values == {
        "on": dt.date(2024, 2, 29),
        "days": [dt.date(2024, 1, 31), dt.date(2024, 3, 1)],
    }
    # And a bad item and a missing required date are reported under the parameters' names
    with pytest.raises(ParamError) as error:
        dates.validate({"days": ["2024-01-31", "2024-04-31"]})
    assert error.value.errors == {
        "days": ["'2024-04-31' is not a date in the form YYYY-MM-DD."],
        "on": ["This parameter is required."],
    }


def test_a_schema_may_accept_other_parameters(throwaway: list[str]) -> None:
    throwaway.append("TEST-OPEN")
    spec = _spec(
        {"properties": {"n": {"type": "integer", "default": 1}}, "additionalProperties": True},
        code="TEST-OPEN",
    )
    analysis(**spec)(lambda tables, params: tables.audits)  # type: ignore[arg-type]
    assert registry.get("TEST-OPEN").validate({"colour": "red"}) == {"n": 1, "colour": "red"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code": "ref vat"}, "must look like"),
        ({"version": 0}, "positive integer"),
        ({"tables": ("ledger",)}, "not contract tables"),
        ({"key": ()}, "key columns"),
        ({"description_zh": " "}, "Chinese and in English"),
    ],
)
def test_a_registration_must_be_complete(kwargs: dict[str, object], message: str) -> None:
    spec: dict[str, object] = {
        "code": "TEST-TWO",
        "version": 1,
        "tables": ("audits",),
        "key": ("n",),
        "description_zh": "测试",
        "description_en": "Test",
    }
    with pytest.raises(ValueError, match=message):
        analysis(**(spec | kwargs))  # type: ignore[arg-type]


def test_a_code_is_registered_once(throwaway: list[str]) -> None:
    def first(tables: Tables, params: Params) -> ir.Table:
        return tables.audits

    def second(tables: Tables, params: Params) -> ir.Table:
        return tables.audits

    throwaway.append("TEST-DUP")
    options = {
        "code": "TEST-DUP",
        "version": 1,
        "tables": ("audits",),
        "key": ("audit_id",),
        "description_zh": "测试",
        "description_en": "Test",
        "kind": "test",
    }
    analysis(**options)(first)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="TEST-DUP is already registered"):
        analysis(**options)(second)  # type: ignore[arg-type]


def test_an_analysis_sees_only_the_tables_it_declared(
    throwaway: list[str], duck: engines.Engine
) -> None:
    @analysis(
        code="TEST-SNEAKY",
        version=1,
        tables=("audits",),
        key=("audit_id",),
        description_zh="测试",
        description_en="Test",
        kind="test",
    )
    def sneaky(tables: Tables, params: Params) -> ir.Table:
        return tables.audits.join(tables.taxpayers, "taxpayer_id")

    throwaway.append("TEST-SNEAKY")
    with pytest.raises(engines.AnalyticsError, match="reads table 'taxpayers' without declaring"):
        registry.run("TEST-SNEAKY", duck)


def test_a_declared_key_must_be_in_the_result(throwaway: list[str], duck: engines.Engine) -> None:
    @analysis(
        code="TEST-KEYLESS",
        version=1,
        tables=("audits",),
        key=("audit_no",),
        description_zh="测试",
        description_en="Test",
        kind="test",
    )
    def keyless(tables: Tables, params: Params) -> ir.Table:
        return tables.audits

    throwaway.append("TEST-KEYLESS")
    with pytest.raises(engines.AnalyticsError, match=r"key column.*audit_no"):
        registry.run("TEST-KEYLESS", duck)


def test_results_are_ordered_by_key_with_nulls_last(
    throwaway: list[str], duck: engines.Engine
) -> None:
    @analysis(
        code="TEST-BUYERS",
        version=1,
        tables=("invoices",),
        key=("buyer_id",),
        description_zh="按购方统计",
        description_en="Per buyer",
        kind="test",
    )
    def buyers(tables: Tables, params: Params) -> ir.Table:
        inv = tables.invoices
        return inv.group_by("buyer_id").aggregate(n=inv.count())

    throwaway.append("TEST-BUYERS")
    assert registry.run("TEST-BUYERS", duck).to_pylist() == [
        {"buyer_id": "T3", "n": 3},
        {"buyer_id": "X-OUTSIDE", "n": 2},
        {"buyer_id": None, "n": 2},
    ]
    assert "TEST-BUYERS" not in [s.code for s in registry.registered("reference")]

"""The source-extract contract, version 1, as data.

One declaration of every table, column, type and rule of
``shared/contracts/source-extract-v1.md``. The importer validates against it, the generator
writes to it, the analytics layer reads the types from it: nothing else restates the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

FORMAT = "taxlight-extract"
VERSIONS = frozenset({1})
MODES = frozenset({"full", "delta"})


class Type(StrEnum):
    STRING = "string"
    DATE = "date"
    TIMESTAMP = "timestamp"
    DECIMAL = "decimal"  # yuan, at most 2 decimals, never a float
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"
    USCC = "uscc"  # Unified Social Credit Code with a valid check character


@dataclass(frozen=True)
class Column:
    name: str
    type: Type
    required: bool = True  # False: an empty cell (null) is allowed
    enum: tuple[str, ...] = ()
    references: str | None = None  # "table.column" that a non-null value must exist in
    min_value: int | None = None  # for DECIMAL / INT: a lower bound (0 = "≥ 0")
    max_length: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False  # may be absent from a full extract
    fact: bool = False  # large facts live in the analytics store, not in the ORM
    rules: tuple[str, ...] = field(default=())  # names of row rules, see RULES

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


S, D, TS, DEC, INT, B, E, U = (
    Type.STRING,
    Type.DATE,
    Type.TIMESTAMP,
    Type.DECIMAL,
    Type.INT,
    Type.BOOL,
    Type.ENUM,
    Type.USCC,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "units",
            (
                Column("unit_code", S),
                Column("name", S),
                Column("parent_code", S, required=False, references="units.unit_code"),
                Column("kind", E, enum=("bureau", "branch", "department")),
            ),
            key=("unit_code",),
            rules=("unit_root",),
        ),
        Table(
            "staff",
            (
                Column("officer_id", S),
                Column("name", S),
                Column("unit_code", S, references="units.unit_code"),
                Column("post_code", S),
                Column("certified_until", D, required=False),
                Column("active", B),
            ),
            key=("officer_id",),
        ),
        Table(
            "taxpayers",
            (
                Column("taxpayer_id", U, max_length=18),
                Column("name", S),
                Column("industry", S, max_length=2),
                Column("unit_code", S, references="units.unit_code"),
                Column("registered_on", D),
                Column("vat_status", E, enum=("general", "small_scale")),
                Column("size", E, enum=("micro", "small", "medium", "large")),
                Column("credit_grade", E, required=False, enum=("A", "B", "M", "C", "D")),
                Column("status", E, enum=("normal", "abnormal", "deregistered")),
                Column("status_since", D),
                Column("legal_rep", S),
                Column("address_key", S),
                Column("mobile", S, required=False, note="mainland mobile number"),
            ),
            key=("taxpayer_id",),
            rules=("industry_division", "mobile_number"),
        ),
        Table(
            "filings",
            (
                Column("filing_id", S),
                Column("taxpayer_id", S, references="taxpayers.taxpayer_id"),
                Column("tax_type", E, enum=("VAT", "CIT", "IIT", "CONSUMPTION", "STAMP", "OTHER")),
                Column("period_start", D),
                Column("period_end", D),
                Column("due_on", D),
                Column("filed_on", D, required=False),
                Column("revenue", DEC, min_value=0),
                Column("output_tax", DEC, required=False),
                Column("input_tax", DEC, required=False),
                Column("taxable_income", DEC, required=False),
                Column("tax_payable", DEC, min_value=0),
                Column("tax_paid", DEC, min_value=0),
                Column("paid_on", D, required=False),
            ),
            key=("filing_id",),
            fact=True,
            rules=("period_order", "vat_only_columns", "cit_only_column"),
        ),
        Table(
            "invoices",
            (
                Column("invoice_id", S),
                Column("seller_id", S, references="taxpayers.taxpayer_id"),
                Column("buyer_id", S, required=False, note="may be outside this bureau"),
                Column("issued_on", D),
                Column("kind", E, enum=("special", "ordinary")),
                Column("amount", DEC),
                Column("tax_amount", DEC),
                Column("goods_code", S),
                Column("status", E, enum=("valid", "void", "red")),
                Column("original_invoice_id", S, required=False, references="invoices.invoice_id"),
            ),
            key=("invoice_id",),
            fact=True,
            rules=("red_sign", "tax_same_sign", "goods_code_digits", "red_original"),
        ),
        Table(
            "enforcement_actions",
            (
                Column("action_id", S),
                Column("case_id", S),
                Column("item_code", S),
                Column("taxpayer_id", S, required=False, references="taxpayers.taxpayer_id"),
                Column(
                    "step",
                    E,
                    enum=(
                        "consult",
                        "accept",
                        "investigate",
                        "assess",
                        "inspect",
                        "notify",
                        "hear",
                        "approve",
                        "decide",
                        "serve",
                        "execute",
                        "close",
                    ),
                ),
                Column("officer_id", S, references="staff.officer_id"),
                Column("unit_code", S, references="units.unit_code"),
                Column("started_at", TS),
                Column("completed_at", TS, required=False),
                Column("amount", DEC, required=False),
                Column("legal_basis", S, required=False),
                Column("document_no", S, required=False),
            ),
            key=("action_id",),
            fact=True,
            rules=("completed_after_start",),
        ),
        Table(
            "audits",
            (
                Column("audit_id", S),
                Column("taxpayer_id", S, references="taxpayers.taxpayer_id"),
                Column("selected_by", E, enum=("risk", "random", "referral", "complaint", "plan")),
                Column("selected_on", D),
                Column("closed_on", D, required=False),
                Column("outcome", E, required=False, enum=("no_change", "adjusted", "transferred")),
                Column("adjustment", DEC, min_value=0),
                Column("penalty", DEC, min_value=0),
                Column("late_fee", DEC, min_value=0),
            ),
            key=("audit_id",),
            fact=True,
            rules=("outcome_when_closed",),
        ),
        Table(
            "macro",
            (
                Column("year", INT),
                Column("gdp", DEC, min_value=0),
            ),
            key=("year",),
            optional=True,
            fact=True,
        ),
    )
}

# Row rules beyond single columns; the importer implements each name (a test checks that
# every name used above has an implementation and a bad-input test).
RULES: dict[str, str] = {
    "unit_root": "parent_code is empty exactly for the bureau (kind = bureau)",
    "industry_division": "industry is a two-digit GB/T 4754-2017 division code",
    "mobile_number": "mobile, when given, is a mainland mobile number",
    "period_order": "period_start ≤ period_end",
    "vat_only_columns": "output_tax and input_tax are given for VAT returns only",
    "cit_only_column": "taxable_income is given for CIT returns only",
    "red_sign": "amount is negative only for red-letter invoices (status = red)",
    "tax_same_sign": "tax_amount has the same sign as amount",
    "goods_code_digits": "goods_code is at least 3 digits",
    "red_original": "a red-letter invoice names the invoice it reverses; others name none",
    "completed_after_start": "completed_at ≥ started_at",
    "outcome_when_closed": "outcome is given once the audit is closed, and empty while open",
}

LOAD_ORDER = (
    "units",
    "staff",
    "taxpayers",
    "filings",
    "invoices",
    "enforcement_actions",
    "audits",
    "macro",
)

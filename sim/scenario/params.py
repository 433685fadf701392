"""Parameter sections of a scenario: every number of the model, with its default, unit, bounds
and source.

Sources abbreviated in descriptions: HA2010 = Heeks & Arun (2010), J. Int. Dev. 22:441-454;
UNCTAD2010 = UNCTAD Information Economy Report 2010, box III.5; see ``shared/domain.md``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.scenario.months import MAX_YEAR, MIN_YEAR

LineName = Literal["training", "data_entry", "hardware"]
"""A line of business, as scenario files name it."""

LINES: tuple[str, ...] = get_args(LineName)
"""Lines of business, in the order used for array codes (0, 1, 2)."""


GUARDS: dict[str, float] = {
    # money: a billion US$ per item is far above any figure of a micro-enterprise, and keeps
    # every sum the model forms from them (stakes x grant multiple x members, price x output x
    # months) finite: no inf in cash
    "US$": 1e9, "US$/member": 1e9, "US$/output unit": 1e9, "US$/month": 1e9,
    "US$/member-month": 1e9, "US$/worker-month": 1e9, "US$/PC-month": 1e9,
    "US$/trainee-month": 1e9,
    # multiples of a price, stake or skill
    "x stakes": 1e3, "x social price": 1e3, "x price": 1e3, "x entry skill": 100,
    # durations: a century
    "months": 1200, "months of capacity": 1200, "instalments": 1200,
    # counts of things
    "women": 100, "PCs": 10_000, "units": 10_000, "agencies": 1_000_000,
    "schools": 10_000_000, "people/PC": 100,
    # flows and quantities (the national benchmark scenario is 100 x Kerala, far below these)
    "orders/month": 1e6, "contracts/month": 1e6, "clients/month": 1e6,
    "orders/area-month": 1e6,
    "orders/client-month": 1e6, "output units/person-month": 1e9,
    "output units/PC-month": 1e9, "output units": 1e9, "students": 1e6,
    "thousand records": 1e12, "thousand records/month": 1e12,
    # weights and shapes: exp(100) is already a certainty in any logit
    "weight": 1e3, "weight per unit reputation": 1e3, "logit": 100,
    "logit per log price ratio": 100, "logit per unit reputation": 100,
    "logit per unit quality": 100, "-": 100,
}
"""Upper bound of a parameter by its unit, where the domain gives none (issue 17): an
assumption that only guards the model against numbers it cannot hold (an int above int64, a
product of money that overflows to inf). Each is far above any value the model is meant for;
the property tests still draw open bounds up to three times the default."""

MAX_SEED = 2**63 - 1
"""Largest seed: seeds are stored as int64 (sweep tables)."""
MAX_UNITS_PER_YEAR = 1_000_000
"""Most units the schedule may form in a line and year (the national benchmark forms 3,500)."""
MAX_VIABILITY_WINDOW_MONTHS = 60
"""Longest window over which members' pay is averaged for viability (5 years): the model keeps
this many months of each unit's pay (``sim.mechanisms.closure``)."""


def _plain_number(value: Any) -> Any:
    """NumPy scalars as Python numbers (sweeps and calibration compute values with NumPy)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _no_bool(value: Any) -> Any:
    """A number that is not true/false: YAML ``true`` must not pass as 1.0."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value}")
    return _plain_number(value)


Int = Annotated[int, BeforeValidator(_plain_number), Field(strict=True)]
"""A whole number, strictly: ``true``, ``2.0`` and ``"3"`` are errors, not 1, 2 and 3."""
Num = Annotated[float, BeforeValidator(_no_bool)]
"""A real number; ``true``/``false`` are errors (integers and numeric text are read)."""


def P(default: Any, unit: str, description: str, source: str = "assumption", **kw: Any) -> Any:
    """A parameter field: default, unit, source and upper bound recorded in the JSON Schema.

    A field with no upper bound of its own gets its unit's guard from GUARDS."""
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if "le" not in kw and "lt" not in kw and unit in GUARDS:
        kw["le"] = extra["guard"] = GUARDS[unit]
    return Field(
        default,
        description=f"{description} [{unit}] (source: {source})",
        json_schema_extra=extra,
        **kw,
    )


def section(cls: type[BaseModel], **kw: Any) -> Any:
    """A nested section of the scenario, described by its class docstring."""
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    return Field(default_factory=kw.pop("factory", cls), description=doc, **kw)


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, defaults are validated too."""

    # no infinities or NaN: every bound (ge=0, le=1, ...) must mean what it says
    model_config = ConfigDict(
        extra="forbid", validate_default=True, validate_assignment=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- formation / mission
class Formation(Strict):
    """How the mission forms and finances a new enterprise."""

    schedule: dict[
        LineName,
        dict[int, Annotated[Int, Field(le=MAX_UNITS_PER_YEAR)]],
    ] = Field(
        default_factory=lambda: {
            "training": {
                2000: 10,
                2001: 30,
                2002: 35,
                2003: 30,
                2004: 20,
                2005: 12,
                2006: 8,
                2007: 4,
                2008: 2,
            },
            "data_entry": {
                1999: 2,
                2000: 12,
                2001: 16,
                2002: 14,
                2003: 12,
                2004: 10,
                2005: 6,
                2006: 4,
                2007: 2,
            },
            "hardware": {2002: 1, 2003: 1, 2004: 1},
        },
        description="Units the mission forms per line and calendar year [units/year] (source: "
        "HA2010 - pilots of 1-2 units in 1999, >200 units by 2005-06, 232 IT units by 2008: "
        "151 training, 78 data entry, 3 hardware; yearly split is an assumption)",
    )
    founding_members: Int = P(10, "women", "Core members at formation", "HA2010", ge=1, le=100)
    member_stake_usd: Num = P(30.0, "US$/member", "Each member's own investment", "HA2010", ge=0)
    grant_multiple: Num = P(
        10.0, "x stakes", "Government grant as a multiple of the members' stakes", "HA2010", ge=0
    )
    bank_loan_usd: Num = P(
        2750.0, "US$", "Bank loan at formation (about half of ~US$5,500 capital)", "HA2010", ge=0
    )
    loan_term_months: Int = P(60, "months", "Term of the formation loan", "HA2010", ge=1, le=360)
    loan_annual_interest: Num = P(
        0.09, "1/year", "Interest on bank loans (priority-sector lending)", ge=0, le=1
    )
    productivity_sigma: Num = P(
        0.208, "log units", "Spread of units' overall efficiency (management, organisation) "
        "drawn at formation; 0 makes all units alike", "calibrated (analysis/calibrate.py, "
        "analysis/calibration.json); HA2010: units differ, one performed poorly", ge=0, le=2,
    )
    education_years: list[Annotated[Num, Field(ge=0, le=30)]] = P(
        [12.0, 15.0],
        "years",
        "Members' schooling, drawn evenly from these values",
        "HA2010 - pre-degree (12) or bachelor's (15), mean 13.5",
        min_length=1,
        max_length=100,
    )

    @field_validator("schedule")
    @classmethod
    def _counts_non_negative(cls, v: dict[str, dict[int, int]]) -> dict[str, dict[int, int]]:
        for line, years in v.items():
            for year, n in years.items():
                if n < 0:
                    raise ValueError(f"{line}.{year}: count must be >= 0, got {n}")
                if not MIN_YEAR <= year <= MAX_YEAR:
                    raise ValueError(f"{line}: year {year} out of range {MIN_YEAR}-{MAX_YEAR}")
        return v


class Mission(Strict):
    """The intermediary (Kudumbashree / SPEM)."""

    active_at_start: bool = P(
        True, "flag", "Mission brokers, forms and finances from the start", "HA2010"
    )
    direct_order_share: Num = P(
        0.496,
        "share",
        "Share of public orders a state ruling lets agencies give directly to the "
        "mission while it is active (the rest are open tenders)",
        "calibrated (analysis/calibrate.py, analysis/calibration.json); HA2010: a state "
        "ruling allows direct orders, ~70 % of local-government IT contracts went to the units",
        ge=0,
        le=1,
    )
    consortium_max_units: Int = P(
        4, "units", "Most units the mission combines into one consortium bid",
        "assumption - HA2010: the mission assembles consortium bids from several units; it "
        "gives no number; 4 is our choice", ge=1
    )
    school_reassign_prob: Num = P(
        0.15,
        "1/month",
        "Chance a month that the mission assigns a school to a training unit that has none",
        ge=0,
        le=1,
    )
    further_loan_needs_mission: bool = P(
        False, "flag", "Banks lend further (reinvestment) loans only with the mission's backing "
        "(mission.backs_loans, while the mission is active)", "assumption - HA2010: at least "
        "a third took further loans; it does not say the mission backed them",
    )
    rank_base_weight: Num = P(
        0.75, "weight", "The mission offers an order to the units ranked highest by free share "
        "of capacity x (this + rank_reputation_weight x reputation)", ge=0,
    )
    rank_reputation_weight: Num = P(
        0.5, "weight per unit reputation", "How much reputation adds to a unit's rank for the "
        "mission's orders (see rank_base_weight)", ge=0,
    )
    # the mission's supports, one lever each (issue 14, item 6): a support acts in a month only
    # while the mission is active AND its lever is on (``intermediary.supports``); the
    # mission_withdraws event switches them all off, a dated ``set`` of one lever that one alone
    forms_units: bool = P(
        True, "flag", "The mission forms and finances the scheduled units (formation)",
        "HA2010 - the mission turns self-help groups into enterprises and finances them",
    )
    assigns_schools: bool = P(
        True, "flag", "The mission assigns training units to schools that lack IT staff",
        "HA2010 - no tender: the mission assigns a training unit to a school",
    )
    brokers_public: bool = P(
        True, "flag", "The mission brokers public orders: direct orders under the state ruling "
        "and consortium bids in open tenders (off: units bid alone, or through their own "
        "consortium)", "HA2010 - the mission receives tenders or direct orders, assembles "
        "consortium bids and passes work on",
    )
    nominates_members: bool = P(
        True, "flag", "The mission's self-help groups nominate new members for leavers "
        "(workforce.new_member_prob)", "HA2010 - members are nominated from local self-help "
        "groups",
    )
    trains_members: bool = P(
        True, "flag", "The mission gives and pays new members' pre-service training "
        "(quality.training_months); off: the unit pays it at "
        "quality.training_cost_usd_per_month", "HA2010 - all members gained computer skills "
        "through the scheme; who pays the training is an assumption",
    )
    backs_loans: bool = P(
        True, "flag", "The mission backs units' further (reinvestment) loans; matters only "
        "where banks need that backing (further_loan_needs_mission)", "assumption - HA2010: "
        "the mission helps secure the bank loan at formation; it says nothing of further loans",
    )


class Consortium(Strict):
    """The units' own successor to the mission's brokering: a body of the units that markets
    and bids for its members in open tenders (no direct orders: the state ruling is for the
    mission)."""

    forms: bool = P(
        False, "flag", "Whether the units form their own consortium once the mission's brokering "
        "stops (mission.brokers_public off or the mission withdrawn)",
        "assumption - off in Kerala: HA2010 names such a body only as a possible successor, "
        "without evidence that it formed; switch on to ask what it would save",
    )
    lag_months: Int = P(
        12, "months", "Months after the mission's brokering stops before the consortium bids",
        "assumption - a year to organise, register and be known to agencies; HA2010 gives no "
        "number", ge=0, le=1200,
    )
    join_prob: Num = P(
        0.1, "1/month", "Chance a month that a live unit not yet a member joins, while the "
        "consortium bids", "assumption - most units join within two years; HA2010 gives no "
        "number", ge=0, le=1,
    )
    fee_usd_per_unit_month: Num = P(
        8.0, "US$/month", "What each member unit pays the consortium a month while it bids",
        "assumption - a shared coordinator paid about an employee's wage (US$38) plus travel "
        "and tender fees, spread over roughly eight units; HA2010 gives no number", ge=0,
    )
    tender_reach_share: Num = P(
        0.5, "share", "Share of open tenders the consortium hears of and bids in",
        "assumption - less than the mission's reach (it lacks the mission's standing with "
        "officials); HA2010 gives no number", ge=0, le=1,
    )
    max_units_per_bid: Int = P(
        4, "units", "Most member units the consortium combines into one bid",
        "assumption - as the mission's consortium_max_units; HA2010 gives no number", ge=1,
    )


# --------------------------------------------------------------------------- lines of business
class Line(Strict):
    """Technology and costs of one line of business; output is counted in the line's unit."""

    output_unit: str = Field("unit", description="What one unit of output is (for reading)")
    price_usd: Num = P(1.0, "US$/output unit", "Price social enterprises charge", ge=0)
    output_per_person: Num = P(10.0, "output units/person-month", "Labour productivity", gt=0)
    output_per_pc: Num = P(10.0, "output units/PC-month", "Output one working PC supports", gt=0)
    initial_pcs: Int = P(
        7, "PCs", "PCs bought at formation", "HA2010 - the initial ~US$5,500 buys about 7 "
        "computers; the lines' defaults differ (kerala_baseline.yaml)", ge=0
    )
    max_pcs: Int = P(
        12, "PCs", "Most PCs a unit expands to", "assumption - HA2010: ~10 PCs after 2-3 years "
        "(a level reached, not a ceiling); 12 is above it; the lines' defaults differ "
        "(kerala_baseline.yaml)", ge=0
    )
    other_assets_usd: Num = P(
        800.0, "US$", "Software, printer and furniture bought at formation",
        "assumption - HA2010: the initial ~US$5,500 buys about 7 computers, software and a "
        "printer; it gives no split", ge=0
    )
    fixed_cost_usd: Num = P(40.0, "US$/month", "Rent, power, consumables", ge=0)
    casual_pay_share: Num = P(
        0.55, "share of price", "Piece-rate pay of casual workers per output unit", ge=0, le=1
    )
    seats_per_pc: Num = P(2.0, "people/PC", "Workers a PC supports across shifts", gt=0)
    private_orders_per_month: Num = P(
        0.3, "orders/month", "A self-marketing unit's search reach: it follows up Poisson(this) "
        "leads a month, so it finds at most that many private orders (mean), all of them only "
        "while its area's market (private_market_orders_per_area_month) has orders to spare; "
        "sellers in one area share that market", ge=0
    )
    private_market_orders_per_area_month: Num = P(
        1.0, "orders/area-month", "The line's finite local private market: private orders that "
        "arise a month in each area (Poisson), shared among the leads of the line's "
        "self-marketing units in that area; orders no lead reaches go elsewhere", ge=0
    )
    private_order_size: Num = P(50.0, "output units", "Mean size of a private order", gt=0)
    private_price_multiple: Num = P(
        1.0, "x price", "Private clients' price relative to the public price", ge=0
    )


def _default_lines() -> dict[str, Line]:
    return {
        "training": Line(
            output_unit="student-month",
            price_usd=0.41,
            output_per_person=120,
            output_per_pc=110,
            initial_pcs=6,
            max_pcs=10,
            other_assets_usd=600,
            fixed_cost_usd=15,
            casual_pay_share=0.5,
            seats_per_pc=1.5,
            private_orders_per_month=1.88,
            private_market_orders_per_area_month=2.94,
            private_order_size=400,
            private_price_multiple=1.5,
        ),
        "data_entry": Line(
            output_unit="thousand records",
            price_usd=5.0,
            output_per_person=14,
            output_per_pc=24,
            initial_pcs=7,
            max_pcs=12,
            other_assets_usd=900,
            fixed_cost_usd=45,
            casual_pay_share=0.55,
            seats_per_pc=2.0,
            private_orders_per_month=0.25,
            private_market_orders_per_area_month=1.5,
            private_order_size=60,
            private_price_multiple=1.0,
        ),
        "hardware": Line(
            output_unit="PC assembled",
            price_usd=45.0,
            output_per_person=1.5,
            output_per_pc=6,
            initial_pcs=5,
            max_pcs=8,
            other_assets_usd=1500,
            fixed_cost_usd=60,
            casual_pay_share=0.4,
            seats_per_pc=2.0,
            private_orders_per_month=0.5,
            private_market_orders_per_area_month=2.0,
            private_order_size=3,
            private_price_multiple=1.2,
        ),
    }


class Lines(Strict):
    """The three lines of business."""

    training: Line = section(Line, factory=lambda: _default_lines()["training"])
    data_entry: Line = section(Line, factory=lambda: _default_lines()["data_entry"])
    hardware: Line = section(Line, factory=lambda: _default_lines()["hardware"])

    def by_code(self) -> list[Line]:
        """Lines in array-code order."""
        return [getattr(self, name) for name in LINES]


# --------------------------------------------------------------------------- demand
KERALA_INSOURCING_BY_YEAR: dict[int, float] = {2003: 0.05, 2005: 0.08, 2009: 0.15, 2016: 0.25}
"""Kerala schools' annual insourcing rate from each year on (IT@School's timeline); the
sources and assumptions of each value are stated in ``scenarios/kerala_baseline.yaml``."""
KERALA_RECORDS_ADDED_BY_YEAR: dict[int, float] = {2002: 21_000.0, 2003: 4_000.0, 2013: 7_000.0,
                                                   2014: 8_260.0}
"""Kerala's e-governance digitisation drives [thousand records added in the year]; sources in
``scenarios/kerala_baseline.yaml``."""


def _check_years(v: dict[int, float]) -> dict[int, float]:
    """A year-keyed series: each year within MIN_YEAR-MAX_YEAR, each value >= 0 (the value's
    own bounds are checked by its type)."""
    for year, x in v.items():
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year {year} out of range {MIN_YEAR}-{MAX_YEAR}")
        if x < 0:
            raise ValueError(f"{year}: value must be >= 0, got {x}")
    return v


class Digitisation(Strict):
    """Public records waiting to be digitised: a finite, slowly replenished stock."""

    initial_stock: Num = P(
        2_000_000, "thousand records", "Paper records awaiting digitisation in 1999", gt=0
    )
    new_records_per_month: Num = P(
        1500, "thousand records/month", "New paper records added to the stock", ge=0
    )
    orders_per_month: Num = P(
        87.1, "orders/month", "Public digitisation orders issued when the stock is full",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)",
        ge=0,
    )
    mean_order_size: Num = P(400, "thousand records", "Mean order size (lognormal)", gt=0)
    order_size_sigma: Num = P(0.8, "log units", "Spread of order size", ge=0, le=3)
    deadline_months: Int = P(10, "months", "Months to deliver an order", ge=1)
    depletion_elasticity: Num = P(
        1.0, "-", "How order flow falls as the stock runs down (flow ~ stock share^e)", ge=0
    )
    records_added_by_year: dict[
        int, Annotated[Num, Field(ge=0, le=GUARDS["thousand records"])]
    ] = Field(
        default_factory=lambda: dict(KERALA_RECORDS_ADDED_BY_YEAR),
        description="E-governance drives: thousand records added to the stock during a "
        "calendar year, spread evenly over its months, on top of new_records_per_month "
        "[thousand records/year] (source: Kerala series in kerala_baseline.yaml - each year "
        "cited there or marked assumption; {} adds nothing)",
    )

    @field_validator("records_added_by_year")
    @classmethod
    def _record_years(cls, v: dict[int, float]) -> dict[int, float]:
        return _check_years(v)


class Schools(Strict):
    """Schools that buy IT training, and their insourcing."""

    pool_size: Int = P(400, "schools", "Schools without IT staff that the mission can assign", ge=0)
    mean_students: Num = P(
        947,
        "students",
        "Students trained per school a month",
        "calibrated (analysis/calibrate.py, analysis/calibration.json); HA2010's example "
        "training unit trained 485 students in 2004/05",
        gt=0,
    )
    students_sigma: Num = P(
        0.844, "log units", "Spread of school sizes (lognormal around the mean)",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)", ge=0, le=2,
    )
    min_students: Num = P(
        20.0, "students", "Fewest students a school trains a month (floor of the lognormal draw)",
        ge=0,
    )
    insourcing_annual_rate: Num = P(
        0.03, "1/year", "Chance a year that a school sets up its own lab and teachers (before "
        "the first year of insourcing_by_year, or always if that is {})", ge=0, le=1
    )
    insourcing_by_year: dict[int, Annotated[Num, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: dict(KERALA_INSOURCING_BY_YEAR),
        description="The state's school IT programme: annual insourcing rate from a calendar "
        "year on, overriding insourcing_annual_rate [1/year] (source: Kerala series in "
        "kerala_baseline.yaml - IT@School's timeline, each year cited there or marked "
        "assumption; {} means the constant insourcing_annual_rate)",
    )
    contract_months: Int = P(
        12, "months", "Term of a school's training contract; at its end the school renews "
        "it or not", "assumption - annual, the school year (HA2010 gives no term; issue 14)",
        ge=1,
    )
    renew_without_mission_prob: Num = P(
        0.5, "share", "Chance that a school which has not insourced renews its unit's "
        "contract at term when the mission no longer assigns schools", "assumption - the "
        "school may keep dealing with its unit directly (HA2010: training units saw "
        "themselves as part of their schools) or drop it without the mission's assignment; "
        "no source gives either, so an even chance, to sweep", ge=0, le=1,
    )

    @field_validator("insourcing_by_year")
    @classmethod
    def _insourcing_years(cls, v: dict[int, float]) -> dict[int, float]:
        return _check_years(v)


class HardwareDemand(Strict):
    """Public PC orders and annual maintenance contracts."""

    orders_per_month: Num = P(
        4.02, "orders/month", "Public PC purchase orders",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)", ge=0
    )
    mean_order_size: Num = P(8, "PCs", "Mean PCs per order", gt=0)
    deadline_months: Int = P(3, "months", "Months to deliver", ge=1)
    amc_per_month: Num = P(0.5, "contracts/month", "New maintenance contracts offered", ge=0)
    amc_usd_per_month: Num = P(60, "US$/month", "Value of one maintenance contract", ge=0)
    amc_months: Int = P(
        12, "months", "Length of a maintenance contract",
        "HA2010 - hardware units sell annual maintenance contracts", ge=1,
    )


class Demand(Strict):
    """Public-sector demand by line."""

    public_agencies: Int = P(
        300, "agencies", "Public agencies, councils and departments that issue digitisation and "
        "PC orders, each with its own payment delay", ge=1,
    )
    digitisation: Digitisation = section(Digitisation)
    schools: Schools = section(Schools)
    hardware: HardwareDemand = section(HardwareDemand)


class Contracting(Strict):
    """Open tenders: social enterprises against private firms."""

    private_firm_price_multiple: Num = P(
        3.5,
        "x social price",
        "Private firms' bid relative to the social enterprise's",
        "assumption - HA2010: private bids of US$30,000-40,000 against the social "
        "enterprise's US$10,000 on one contract (3-4x); 3.5 is the midpoint",
        ge=0,
    )
    win_intercept: Num = P(
        -5.14, "logit", "Tender win log-odds at equal price",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)",
        le=20, ge=-20,
    )
    win_price_coef: Num = P(2.0, "logit per log price ratio", "Weight of price advantage", ge=0)
    win_reputation_coef: Num = P(2.0, "logit per unit reputation", "Weight of reputation", ge=0)
    win_capacity_coef: Num = P(1.0, "logit", "Weight of being able to do the whole order", ge=0)
    reputation_initial: Num = P(0.5, "0-1", "Reputation of a new unit", ge=0, le=1)
    reputation_gain: Num = P(
        0.08, "share", "Step toward 1 on an order delivered in time", ge=0, le=1
    )
    reputation_loss: Num = P(0.25, "share", "Step toward 0 on an order not delivered", ge=0, le=1)
    self_bid_base_weight: Num = P(
        0.5, "weight", "Without the mission's brokering the self-marketing units with the "
        "strongest bids tender, each alone: strength = work it can take x (this + reputation)",
        ge=0,
    )
    self_bid_units: Int = P(
        1, "units", "Without the mission's brokering, how many self-marketing units (the "
        "strongest) bid for one open tender, each alone; the agency takes the best bid (highest "
        "chance to win) among those that beat the private firms",
        "assumption - 1: a public agency hears of a tender through one unit; HA2010 gives no "
        "number", ge=1,
    )


class Payments(Strict):
    """When clients pay."""

    terms_months: Int = P(
        1, "months", "Contractual payment term", "assumption - MSMED Act 2006 ss.15-16: "
        "pay within 15 days, or an agreed date <= 45 days; 1 month, the model's step, is "
        "within that", ge=0, le=12
    )
    public_mean_delay_months: Num = P(
        4.0,
        "months",
        "Mean delay past terms of a public client (each client draws its own)",
        "assumption - HA2010: public clients pay 3, 6, even 12 months late; it gives no "
        "mean; 4 is our choice toward the common end (clients draw their own around it)",
        ge=0,
        le=60,
    )
    client_delay_shape: Num = P(
        2.0, "-", "Gamma shape of clients' mean delays (lower = more unequal)", gt=0
    )
    private_mean_delay_months: Num = P(
        1.0, "months", "Mean delay of private clients", ge=0, le=60
    )
    on_time_client_share: Num = P(
        0.25, "share", "Share of public clients (agencies and schools) that pay on terms (mean "
        "delay 0); each client's rank is drawn once, the share read at every invoice",
        "assumption - HA2010: a quarter of units name late payment their main challenge and at "
        "least twice that many have experienced it, so some clients pay on time; no share is "
        "given; a quarter of clients is our choice",
        ge=0, le=1,
    )


class Finance(Strict):
    """Cash management, bridging and default."""

    buffer_months: Num = P(
        2.0, "months of costs", "Cash kept back before members are paid", ge=0, le=24
    )
    asset_reserve_share: Num = P(
        0.5,
        "share",
        "Share of accumulated depreciation kept back to replace IT assets",
        "assumption - HA2010: units set money aside for continual reinvestment; it gives "
        "no share",
        ge=0,
        le=1,
    )
    payout_share: Num = P(
        0.625, "share", "Share of free cash paid to members a month",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)", ge=0, le=1,
    )
    max_member_pay_usd: Num = P(120, "US$/month", "Most a member draws a month", ge=0)
    prepay_share: Num = P(
        0.3,
        "share",
        "Share of free cash used to prepay the loan when members are paid well",
        ge=0,
        le=1,
    )
    prepay_threshold_usd: Num = P(
        45,
        "US$/member-month",
        "Member pay at which a unit starts prepaying its loan",
        "assumption - HA2010 gives no prepayment rule; the threshold is set at its average "
        "member earnings, US$45 a month",
        ge=0,
    )
    pawn_usd_per_member: Num = P(
        60,
        "US$/member",
        "Gold a member can pawn to bridge a cash gap",
        "assumption - HA2010: some members pawned gold to meet loan instalments; it gives "
        "no amount",
        ge=0,
    )
    pawn_monthly_interest: Num = P(0.015, "1/month", "Interest on pawn loans", ge=0, le=1)
    missed_instalments_to_default: Int = P(
        6, "instalments", "Missed loan instalments that make the bank call the loan", ge=1
    )
    further_loan_term_months: Int = P(36, "months", "Term of a reinvestment loan", ge=1)
    further_loan_max_balance_usd: Num = P(
        1813, "US$", "A unit in good standing may borrow again while its loan balance is at "
        "most this", "calibrated (analysis/calibrate.py, analysis/calibration.json); HA2010: at "
        "least a third took further loans to update or expand IT", ge=0,
    )
    max_further_loan_usd: Num = P(
        2500, "US$", "Largest reinvestment loan",
        "HA2010 - after 2-3 years a further ~US$2,500 (savings or a new loan)", ge=0
    )


class Workforce(Strict):
    """Members leaving, replacement and skills."""

    marriage_annual_rate: Num = P(0.06, "1/year", "Members leaving on marriage", ge=0, le=1)
    other_job_annual_rate: Num = P(0.035, "1/year", "Members leaving for another job", ge=0, le=1)
    migration_annual_rate: Num = P(0.0, "1/year", "Members migrating to towns", ge=0, le=1)
    new_member_prob: Num = P(
        0.0473,
        "share",
        "Chance a leaver is replaced by a new member (else by an employee)",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)",
        ge=0,
        le=1,
    )
    replace_prob: Num = P(0.9, "share", "Chance a leaver is replaced at all", ge=0, le=1)
    replace_min_utilisation: Num = P(
        0.5,
        "share",
        "A leaver is replaced by an employee only if the unit used at least this "
        "share of its capacity last month",
        ge=0,
        le=1,
    )
    recruit_below: Int = P(
        6, "women", "Core size below which a unit recruits a new member for a leaver", ge=0
    )
    recruit_prob_when_short: Num = P(
        0.9,
        "share",
        "Chance a short-handed unit finds a new member (no mission needed)",
        ge=0,
        le=1,
    )
    employee_wage_usd: Num = P(38, "US$/month", "Wage of a hired employee", ge=0)
    skill_max: Num = P(1.6, "x entry skill", "Skill of an experienced member", ge=1)
    entry_skill: Num = P(
        1.0, "x trained entry skill", "Skill of a new worker; below 1 is a skills gap at entry "
        "that training and experience close over months", "assumption - 1, no gap: Kerala's "
        "members had 12-15 years of schooling (HA2010); presets set it below 1 for the rural "
        "KPO skills gap (domain brief)",
        gt=0, le=1,
    )
    skill_months: Num = P(18, "months", "Time scale of learning on the job", gt=0)
    rotation_months: Int = P(
        18, "months", "Leader/deputy/secretary roles rotate",
        "assumption - HA2010: roles rotate every 1-2 years; 18 months is the midpoint", ge=1,
    )
    other_income_usd: Num = P(
        42.3, "US$/month", "Median income of the rest of a member's household (lognormal)",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)", gt=0,
    )
    other_income_sigma: Num = P(0.7, "log units", "Spread of other household income", ge=0, le=3)
    # issue 14 (items 4 and 7): leaving for another job follows earnings; households with no
    # other income
    outside_option_usd: Num = P(
        50.0, "US$/month", "Pay a member could earn in another job (her outside option); she "
        "leaves for another job faster the further her smoothed earnings fall below it",
        "assumption - no 2005 Kerala figure found for a woman with Class 12 or a degree; "
        "RuralShores' entry pay, Rs 4,000 a month in 2009-15 (domain brief), at 2005 prices "
        "(CPI-IW, 2001=100: 198 in Jan 2012, about 115-120 in 2005, so x ~0.6) is ~Rs 2,400 "
        "= US$55; rounded down to US$50 (~Rs 2,200) because such jobs were scarce in 2005 "
        "Kerala (>90 % of members had no job before, HA2010); above the mission's Rs 1,500 "
        "(US$34) per member-month rule",
        gt=0,
    )
    dropout_earnings_slope: Num = P(
        1.0, "-", "Rise of the other-job leaving rate per unit of earnings shortfall: rate x "
        "(1 + slope x max(0, 1 - smoothed earnings / outside_option_usd)); 0 = the fixed "
        "other_job_annual_rate",
        "assumption - HA2010: women leave for another job and only a quarter would consider "
        "one, so the response is moderate: a member earning nothing leaves for another job at "
        "twice the base rate; swept (scenarios/sweeps)",
        ge=0, le=50,
    )
    earnings_memory_months: Num = P(
        6.0, "months", "Time scale of the exponential average of pay by which a member judges "
        "her earnings against her outside option (weight 1 - exp(-1/this) on the latest month)",
        "assumption - pay swings with late payments; a member judges it over about half a year",
        gt=0, le=120,
    )
    no_other_income_share: Num = P(
        0.06, "share", "Share of members' households with no income besides hers (drawn at "
        "joining; the rest draw other_income_usd, lognormal)",
        "assumption - HA2010: the unit is the sole income in 6 % of households; a household "
        "without other earners has none whatever the unit pays, so we read the figure as this "
        "household trait; the model's sole-income share (members paid > 0 with no other "
        "income) is measured, not set (analysis/patterns.py share_sole_income)",
        ge=0, le=1,
    )


class Assets(Strict):
    """IT assets: price, depreciation, failure and reinvestment."""

    pc_price_usd: Num = P(
        550,
        "US$",
        "Price of a PC in 1999",
        "assumption - HA2010: ~US$5,500 buys about 7 computers, software and a printer "
        "(so under ~US$785 a PC); it gives no PC price",
        gt=0,
    )
    pc_price_annual_change: Num = P(
        -0.06, "1/year", "Yearly change of PC prices", ge=-0.5, le=0.5
    )
    depreciation_rate: Num = P(
        0.40,
        "1/year",
        "Declining-balance depreciation of IT assets",
        "Income Tax Act: 40% a year on written-down value (60% before 2017-18)",
        ge=0,
        le=1,
    )
    failure_scale_months: Num = P(
        66, "months", "Weibull scale of PC life", "assumption - Companies Act Sch. II: "
        "useful life 3 years (desktops), 6 (servers); HA2010: IT assets worth near zero in "
        "~5 years; with shape 3 the mean life is ~59 months", gt=0
    )
    failure_shape: Num = P(3.0, "-", "Weibull shape (ageing) of PC life", gt=0)
    expand_utilisation: Num = P(
        0.9, "share", "Utilisation above which a unit adds a PC", ge=0, le=1
    )
    expand_step_share: Num = P(
        0.0, "share of PCs", "When a busy unit expands it adds this share of its PCs (at least "
        "one); 0 = one PC at a time, as Kerala's units", ge=0, le=1,
    )
    expand_after_months: Int = P(
        3, "months", "Consecutive months at or above expand_utilisation after which a unit "
        "adds PCs", ge=1,
    )


class Marketing(Strict):
    """Units' own marketing beside the mission's."""

    adopt_prob_when_idle: Num = P(
        0.171,
        "1/month",
        "Chance a month that an under-used unit starts marketing itself",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)",
        ge=0,
        le=1,
    )
    idle_utilisation: Num = P(
        0.854, "share", "Utilisation below which a unit looks for work",
        "calibrated (analysis/calibrate.py, analysis/calibration.json)", ge=0, le=1,
    )
    cost_usd: Num = P(10, "US$/month", "Cost of marketing", ge=0)
    private_order_size_sigma: Num = P(
        0.6, "log units", "Spread of the size of private orders a self-marketing unit finds "
        "(lognormal around lines.*.private_order_size)", ge=0, le=3,
    )
    private_deadline_months: Int = P(
        3, "months", "Months to deliver a private order a self-marketing unit finds", ge=1
    )
    areas: Int = P(
        14, "areas", "Areas (districts) the units are spread over: a unit's area is drawn at "
        "formation, evenly; each line's private market is local to an area "
        "(lines.*.private_market_orders_per_area_month)", "Census of India 2001, 2011 - "
        "Kerala has 14 districts (one area each); Kudumbashree's District Missions run its "
        "programmes in their districts (thekudumbashreestory.info)", ge=1, le=10_000,
    )
    private_base_weight: Num = P(
        0.5, "weight", "An area's private order goes to one of its sellers' leads, a lead "
        "weighted by this + its unit's reputation (large = evenly among leads)", gt=0,
    )


class Closure(Strict):
    """When a unit closes."""

    min_core_members: Int = P(3, "women", "Fewest members with which a unit can run", ge=0)
    idle_months: Int = P(12, "months", "Months without any work before a unit gives up", ge=1)
    distress_months: Int = P(
        6, "months", "Consecutive months unable to meet costs before insolvency", ge=1
    )
    # viability (issue 14 item 5): "alive" is not "viable"
    viable_usd_per_member_month: Num = P(
        34.1,
        "US$/member-month",
        "A unit is viable in a month when it is open and its members' average pay over the "
        "viability window is at least this (reported beside 'open'; closes nothing by itself)",
        "Kudumbashree enterprise-promotion pages: a unit should earn >= Rs 1,500 per member "
        "per month; converted at Rs 44 per US$ (RBI reference rate Rs 43.7-44.0 in Jan 2005 "
        "and Rs 45.5-45.9 in May 2006, RBI Weekly Statistical Supplement; calendar-year "
        "averages in RBI Handbook of Statistics on the Indian Economy, Table 147): "
        "1,500 / 44 = US$34.1",
        ge=0,
    )
    viability_window_months: Int = P(
        12,
        "months",
        "Months over which members' pay is averaged, for viability and for walking away "
        "(fewer for a unit younger than that: its months open)",
        "assumption - a year: the mission's rule is a monthly income, and units are paid in "
        "lumps (public clients pay 3-12 months late, HA2010; the school year), so one month's "
        "pay says little; swept",
        ge=1,
        le=MAX_VIABILITY_WINDOW_MONTHS,
    )
    walk_away_usd_per_member_month: Num = P(
        5.0,
        "US$/member-month",
        "Members walk away (the unit closes, reason not_viable) when their average pay over "
        "the viability window stays below this for closure.walk_away_months months in a row",
        "assumption - far below the mission's floor (US$34) and members' mean pay at field "
        "work (US$45, HA2010): 90 % of members were motivated to continue and only a quarter "
        "would consider another job, > 90 % had no job before (HA2010), and few Kerala women "
        "work outside the home (35 % of women 15-59 in the labour force, national labour "
        "survey 2018-19), so members stay for skills, respect and prospects while a unit "
        "pays little and leave only when it pays next to nothing; more than 200 units were "
        "open at field work of 232 formed by 2008 (HA2010), which a higher floor "
        "contradicts; swept",
        ge=0,
    )
    walk_away_months: Int = P(
        36,
        "months",
        "Months in a row that members' average pay must stay below the walk-away floor "
        "before they walk away",
        "assumption - three years: members bear long lean spells (HA2010: they pawned gold to "
        "meet their units' instalments) and more than 200 units were open at field work "
        "(HA2010); with 24 months the baseline closes ~10 units this way by 2005 and the "
        "open count at field work falls to ~200 (5-95 %: 195-206), with 36 months ~3 and "
        "~208; swept",
        ge=1,
    )



# --------------------------------------------------------------------------- diversification
TargetLine = Literal["none", "data_entry", "training", "hardware"]
"""The line a unit may add as its second line, or none (issue 14, item 12)."""


class DiversificationTargets(Strict):
    """Which second line the units of each line may add ("none": they do not diversify)."""

    training: TargetLine = P(
        "none", "line", "Second line a training unit may add",
        "assumption - HA2010 reports diversification by data-entry units only; training units "
        "'saw themselves more as part of their schools'",
    )
    data_entry: TargetLine = P(
        "training", "line", "Second line a data-entry unit may add",
        "assumption - HA2010: data-entry units diversified into call-centre and data-analysis "
        "work, which the model has no line for; of its lines, training: Kochi's Kudumbashree IT "
        "(data-entry) units ran 'computer training programmes conducted on demand by the local "
        "bodies' (The Hindu, 27 Oct 2014, 'Kudumbasree IT units get a new lease of life')",
    )
    hardware: TargetLine = P(
        "none", "line", "Second line a hardware unit may add",
        "assumption - HA2010 reports no diversification by hardware units",
    )

    @model_validator(mode="after")
    def _not_own_line(self) -> DiversificationTargets:
        for line in LINES:
            if getattr(self, line) == line:
                raise ValueError(f"{line}: a unit's second line must differ from its own line")
        return self


class Diversification(Strict):
    """A unit whose own demand has fallen adds a second line of business: its people and PCs
    then also do that line's work (issue 14, item 12; HA2010: data-entry units diversifying
    into call-centre and data-analysis work)."""

    enabled: bool = P(
        False, "flag", "Whether units may add a second line (the lever)",
        "assumption - HA2010 reports that some data-entry units diversified but gives no rate, "
        "cost or lag; off in the Kerala baseline so that the calibrated 2005-06 patterns stand; "
        "scenarios/diversification.yaml switches it on",
    )
    into: DiversificationTargets = section(DiversificationTargets)
    utilisation_below: Num = P(
        0.5, "share", "A month counts as slack when the unit's utilisation is below this",
        "assumption - half its capacity unused: demand has clearly fallen, not just paused", ge=0,
        le=1,
    )
    slack_months: Int = P(
        6, "months", "Consecutive slack months before a unit considers a second line",
        "assumption - half a year: longer than a gap between orders (deadlines of 3-10 months), "
        "shorter than closure.idle_months", ge=1,
    )
    adopt_prob: Num = P(
        0.1, "1/month", "Chance a month that an eligible unit takes up its second line",
        "assumption - as slow as taking up own marketing (marketing.adopt_prob_when_idle ~0.1)",
        ge=0, le=1,
    )
    min_member_skill: Num = P(
        1.2, "x entry skill", "Mean skill its active members must have reached (skill grows "
        "with tenure, workforce.skill_*)", "assumption - about 7 months on the job at the "
        "baseline's learning rate: a team that has learnt its own line can learn another",
        ge=0,
    )
    productivity_share: Num = P(
        0.6, "share", "Output per person in the second line as a share of that line's "
        "output_per_person", "assumption - a team new to a line works slower than its "
        "specialists", gt=0, le=1,
    )
    lag_months: Int = P(
        6, "months", "Months from taking up the second line until the unit can take its work "
        "(retraining, first clients)", "assumption - a short course and a first client", ge=0,
    )
    cost_usd: Num = P(
        300.0, "US$", "One-off cost of taking up the second line (retraining, software, "
        "materials), due at that month's settlement",
        "assumption - a few members' courses and software, about a PC's price", ge=0,
    )
    monthly_cost_usd: Num = P(
        10.0, "US$/month", "Running cost of keeping the second line (materials, its marketing)",
        "assumption - as own marketing (marketing.cost_usd)", ge=0,
    )


# --------------------------------------------------------------------------- beyond Kerala
class Intermediary(Strict):
    """Who stands between the units and their clients: a government mission, a parent social
    enterprise (with donors paying for the social mission) or nobody."""

    kind: Literal["government_mission", "parent_enterprise", "none"] = P(
        "government_mission",
        "label",
        "government_mission: Kudumbashree-like (forms units, brokers public work); "
        "parent_enterprise: a parent social enterprise forms units and may sell private "
        "clients' work to them (Digital Divide Data's headquarters); none: ventures found "
        "themselves on the schedule and market themselves from the start",
        "domain brief, 'Other systems'",
    )
    brokers_private: bool = P(
        False,
        "flag",
        "While active, the intermediary sells private (domestic and foreign) clients' work and "
        "passes it to its units; otherwise only self-marketing units reach those clients",
        "assumption - off, as in Kerala: the mission brokered public work (HA2010); "
        "presets switch it on for a parent that finds private clients",
    )
    donor_usd_per_worker_month: Num = P(
        0.0,
        "US$/worker-month",
        "Donor money paid to a unit per member and employee while the intermediary is active",
        "assumption - 0: no donor money in Kerala beyond the formation grant; HBS case "
        "09-095: donors paid for DDD's social mission, no amount per worker",
        ge=0,
    )
    social_cost_usd_per_worker_month: Num = P(
        0.0,
        "US$/worker-month",
        "Cost of the social mission (scholarships, health, training allowances) per member "
        "and employee",
        "assumption - 0: Kerala's units carry no separate social-mission costs; HBS case "
        "09-095: donors paid for DDD's social mission, no cost per worker",
        ge=0,
    )

    @model_validator(mode="after")
    def _someone_brokers(self) -> Intermediary:
        if self.kind == "none" and self.brokers_private:
            raise ValueError("brokers_private: an intermediary of kind 'none' cannot broker")
        return self


class ClientSegment(Strict):
    """One segment of private clients: who they are, what they buy, pay and expect."""

    line: LineName = P(
        "data_entry", "label", "Line of business that does this segment's work"
    )
    prospects_per_month: Num = P(
        0.0, "clients/month", "Prospective clients approaching the units' market a month "
        "(0 = no such segment)", ge=0,
    )
    prospects_annual_growth: Num = P(
        0.0, "1/year", "Yearly growth of the flow of prospects", ge=-0.9, le=5
    )
    orders_per_client_month: Num = P(
        1.0, "orders/client-month", "Orders a retained client places a month", ge=0
    )
    mean_order_size: Num = P(20.0, "output units", "Mean size of an order (lognormal)", gt=0)
    order_size_sigma: Num = P(0.6, "log units", "Spread of order size", ge=0, le=3)
    price_usd: Num = P(5.0, "US$/output unit", "Price the segment pays", ge=0)
    deadline_months: Int = P(2, "months", "Months to deliver an order", ge=1)
    payment_delay_months: Num = P(
        1.0, "months", "Mean delay past terms of this segment's payments", ge=0, le=60
    )
    win_intercept: Num = P(
        -1.0, "logit", "Log-odds that a prospect signs with a unit of zero quality and "
        "reputation", ge=-20, le=20,
    )
    win_quality_coef: Num = P(
        2.0, "logit per unit quality", "Weight of the unit's quality in a prospect's choice", ge=0
    )
    win_reputation_coef: Num = P(
        1.0, "logit per unit reputation", "Weight of the unit's reputation", ge=0
    )
    churn_annual_rate_low_quality: Num = P(
        0.8, "1/year", "Yearly chance a client leaves a unit of quality 0", ge=0, le=1
    )
    churn_annual_rate_high_quality: Num = P(
        0.1, "1/year", "Yearly chance a client leaves a unit of quality 1", ge=0, le=1
    )
    max_backlog_months: Num = P(
        3.0, "months of capacity", "A unit turns prospects away while its contracted work "
        "exceeds this many months of its capacity", gt=0,
    )
    approach_base_weight: Num = P(
        0.1, "weight", "A prospect approaches a reachable unit with probability proportional to "
        "this + the unit's reputation", gt=0,
    )


class Clients(Strict):
    """Private client segments beyond the lines' own private work: domestic and foreign."""

    domestic: ClientSegment = section(ClientSegment)
    foreign: ClientSegment = section(
        ClientSegment, factory=lambda: ClientSegment(price_usd=10.0, payment_delay_months=0.5)
    )


class Infrastructure(Strict):
    """Power cuts and connectivity that cost working hours, and a solar back-up lever."""

    power_cut_share: Num = P(
        0.0, "share of hours", "Share of working hours lost to power cuts", ge=0, le=1
    )
    connectivity_uptime: Num = P(
        1.0, "share of hours", "Share of working hours the network link is up", ge=0, le=1
    )
    solar_backup_share: Num = P(
        0.0, "share", "Share of power-cut hours a solar back-up restores (0 = none installed)",
        ge=0, le=1,
    )
    solar_cost_usd_per_pc_month: Num = P(
        0.0, "US$/PC-month", "Cost of the solar back-up per working PC a month (lease or "
        "amortised purchase), paid while installed", ge=0,
    )


class Quality(Strict):
    """Quality assurance: training and monitoring raise quality; quality moves reputation and
    so repeat and new contracts."""

    base: Num = P(0.5, "0-1", "Quality of an untrained, unmonitored team", ge=0, le=1)
    skill_weight: Num = P(
        0.3, "0-1", "Quality added once training and experience close the skill gap", ge=0, le=1
    )
    monitoring_weight: Num = P(
        0.2, "0-1", "Quality added by full quality monitoring", ge=0, le=1
    )
    monitoring_effort: Num = P(
        0.0, "share", "Quality monitoring effort (0 none, 1 full double-checking)", ge=0, le=1
    )
    monitoring_cost_usd_per_worker_month: Num = P(
        0.0, "US$/worker-month", "Cost of full monitoring per member and employee", ge=0
    )
    training_months: Num = P(
        0.0, "months", "Training a new worker receives before she starts (counts as tenure for "
        "her skill)", ge=0, le=36,
    )
    training_cost_usd_per_month: Num = P(
        0.0, "US$/trainee-month", "Cost of training a new worker for a month", ge=0
    )
    reputation_pull: Num = P(
        0.0, "share/month", "How far a unit's reputation moves toward its quality each month "
        "(0 = quality does not act)", ge=0, le=1,
    )


class Staffing(Strict):
    """Hired staff: hiring to meet demand, turnover, urban migration and their skills."""

    hire_share_of_gap: Num = P(
        0.0, "share/month", "Share of the casual workers a unit needed this month that it hires "
        "as employees (0 = employees only replace leaving members)", ge=0, le=1,
    )
    employee_attrition_annual_rate: Num = P(
        0.0, "1/year", "Employees leaving for other reasons (0 = employees stay)", ge=0, le=1
    )
    trained_migration_annual_rate: Num = P(
        0.0, "1/year", "Fully trained workers (members and employees) leaving for jobs in towns, "
        "on top of workforce.migration_annual_rate; scales with how far the skill gap is closed",
        ge=0, le=1,
    )
    employee_skill_max: Num = P(
        1.0, "x entry skill", "Skill an experienced employee reaches (1 = employees stay at the "
        "trained entry level)", ge=0.1,
    )
